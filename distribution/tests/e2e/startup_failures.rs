//! Startup fails fast: a non-zero exit code and one fatal line naming the culprit.

use crate::harness::{Binary, Home, Launch, ServerProcess, unreachable_elasticsearch};

/// Runs the server to its exit; returns the exit code and the fatal lines.
async fn fatal_lines(mut process: ServerProcess) -> (i32, Vec<String>, String) {
    let code = process.wait_for_exit().await;
    let fatal: Vec<String> = process
        .output
        .lines()
        .into_iter()
        .filter(|line| line.contains("[FATAL]"))
        .collect();
    (code, fatal, process.output.text())
}

fn launch(binary: Binary, home: &Home) -> Launch {
    Launch::new(binary, home).elasticsearch(&unreachable_elasticsearch())
}

async fn expect_fatal(launch: Launch, expected: &str) -> String {
    let (code, fatal, output) = fatal_lines(launch.spawn()).await;
    assert_eq!(code, 1, "exit code; output:\n{output}");
    assert_eq!(fatal.len(), 1, "one fatal line; output:\n{output}");
    assert!(
        fatal[0].contains(expected),
        "fatal line {:?} should contain {expected:?}",
        fatal[0]
    );
    assert!(!output.contains("Server ready"), "{output}");
    fatal.into_iter().next().unwrap_or_default()
}

#[tokio::test]
async fn invalid_config_value_names_the_key_path() {
    let home = Home::new();
    home.write("config/kibana.yml", "server:\n  maxPayload: lots\n");
    let line = expect_fatal(launch(Binary::Server, &home), "[server.maxPayload]").await;
    assert!(line.contains("[root]"), "{line}");

    let home = Home::new();
    expect_fatal(
        launch(Binary::Server, &home).arg("--greeting.maxNameLength=0"),
        "[greeting.maxNameLength]: must be at least 1",
    )
    .await;
}

#[tokio::test]
async fn invalid_yaml_names_the_file() {
    let home = Home::new();
    let path = home.write("broken.yml", "server: [unclosed\n");
    let line = expect_fatal(
        launch(Binary::Server, &home)
            .arg("-c")
            .arg(path.display().to_string()),
        "invalid YAML in",
    )
    .await;
    assert!(line.contains("broken.yml"), "{line}");
}

#[tokio::test]
async fn unknown_config_keys_are_listed() {
    let home = Home::new();
    home.write(
        "config/kibana.yml",
        "greting:\n  greeting: Hi\nserver.host: 127.0.0.1\n",
    );
    expect_fatal(
        launch(Binary::Server, &home),
        "Unknown configuration key(s): \"greting.greeting\". Check for spelling errors and ensure that expected plugins are installed.",
    )
    .await;
}

#[tokio::test]
async fn bad_manifest_names_the_file_and_the_reason() {
    let home = Home::new();
    let manifest = home.write("plugins/broken/kibana.json", "{ \"id\": \"broken\", ");
    let line = expect_fatal(
        launch(Binary::Server, &home)
            .arg("--plugin-path")
            .arg(home.path().join("plugins/broken").display().to_string()),
        "Failed to initialize plugins:",
    )
    .await;
    assert!(line.contains(&manifest.display().to_string()), "{line}");
    assert!(line.contains("EOF while parsing"), "{line}");
}

#[tokio::test]
async fn dependency_cycle_prints_the_cycle() {
    let home = Home::new();
    home.write(
        "plugins/ping/kibana.json",
        r#"{ "id": "ping", "version": "1.0.0", "kibanaVersion": "kibana", "server": false, "ui": true, "requiredPlugins": ["pong"] }"#,
    );
    home.write(
        "plugins/pong/kibana.json",
        r#"{ "id": "pong", "version": "1.0.0", "kibanaVersion": "kibana", "server": false, "ui": true, "requiredPlugins": ["ping"] }"#,
    );
    let line = expect_fatal(
        launch(Binary::Server, &home)
            .arg("--plugin-path")
            .arg(home.path().join("plugins/ping").display().to_string())
            .arg("--plugin-path")
            .arg(home.path().join("plugins/pong").display().to_string()),
        "dependency cycle: ",
    )
    .await;
    assert!(
        line.contains("ping -> pong -> ping") || line.contains("pong -> ping -> pong"),
        "{line}"
    );
}

#[tokio::test]
async fn plugin_setup_error_names_the_plugin_and_phase() {
    let home = Home::new();
    expect_fatal(
        launch(Binary::Fixtures, &home).env("CORE_SERVER_FIXTURES", "setup-error"),
        "Plugin \"failing\" failed during setup: the fixture refuses to set up",
    )
    .await;
}

#[tokio::test]
async fn plugin_setup_timeout_names_the_plugin() {
    let home = Home::new();
    expect_fatal(
        launch(Binary::Fixtures, &home)
            .env("CORE_SERVER_FIXTURES", "setup-timeout")
            .arg("--plugins.lifecycleTimeout=300ms"),
        "Setup lifecycle of \"sleepy\" plugin wasn't completed in 0.3sec",
    )
    .await;
}

#[tokio::test]
async fn port_in_use() {
    let home = Home::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let line = expect_fatal(
        // The generic override wins over the harness's `--port 0`.
        launch(Binary::Server, &home).arg(format!("--server.port={port}")),
        &format!("Port {port} is already in use. Another instance of Kibana may be running!"),
    )
    .await;
    assert!(line.contains("server.port"), "{line}");
}

#[tokio::test]
async fn invalid_command_line_is_a_usage_error() {
    let home = Home::new();
    let mut process = Launch::new(Binary::Server, &home)
        .arg("--no-such-flag")
        .spawn();
    assert_eq!(process.wait_for_exit().await, 2);
    assert!(
        process.output.text().contains("--no-such-flag"),
        "{}",
        process.output.text()
    );
    let mut process = Launch::new(Binary::Server, &home)
        .arg("--server.port")
        .spawn();
    assert_eq!(process.wait_for_exit().await, 2);
    assert!(
        process
            .output
            .text()
            .contains("--server.port needs a value"),
        "{}",
        process.output.text()
    );
}

/// Credentials in an Elasticsearch URL never reach the output, however the URL is wrong: the
/// credentials check runs first, and no message shows a host's userinfo.
#[tokio::test]
async fn elasticsearch_url_credentials_stay_out_of_errors() {
    for hosts in [
        "[ftp://kib:secret-pw@host:9200]",
        "http://kib:secret-pw@[bad",
        "[\"http://kib:secret-pw@host:9200\"]",
    ] {
        let home = Home::new();
        let (code, fatal, output) = fatal_lines(
            launch(Binary::Server, &home)
                .arg(format!("--elasticsearch.hosts={hosts}"))
                .spawn(),
        )
        .await;
        assert_eq!(code, 1, "{hosts}: exit code; output:\n{output}");
        assert_eq!(fatal.len(), 1, "{hosts}: one fatal line; output:\n{output}");
        assert!(
            fatal[0].contains("elasticsearch.hosts"),
            "{hosts}: {}",
            fatal[0]
        );
        assert!(!output.contains("secret-pw"), "{hosts}: output:\n{output}");
    }
}
