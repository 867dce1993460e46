//! `Env`: mode and paths from options, and the test environment.

use std::path::PathBuf;

use core_config::{CliArgs, Env, EnvOptions, PackageInfo};

#[test]
fn production_is_the_default_mode_and_dev_switches_it() {
    let prod = Env::new(EnvOptions::default());
    assert_eq!(
        (prod.mode.name, prod.mode.dev, prod.mode.prod),
        ("production", false, true)
    );

    let dev = Env::new(EnvOptions {
        cli_args: CliArgs {
            dev: true,
            ..CliArgs::default()
        },
        ..EnvOptions::default()
    });
    assert_eq!(
        (dev.mode.name, dev.mode.dev, dev.mode.prod),
        ("development", true, false)
    );
}

#[test]
fn paths_come_from_the_home_directory_and_options() {
    let env = Env::new(EnvOptions {
        home_dir: PathBuf::from("/usr/share/kibana"),
        config_paths: vec![
            PathBuf::from("/etc/kibana/kibana.yml"),
            PathBuf::from("/etc/kibana/extra.yml"),
        ],
        cli_args: CliArgs {
            verbose: true,
            ..CliArgs::default()
        },
        package_info: None,
    });
    assert_eq!(env.home_dir, PathBuf::from("/usr/share/kibana"));
    assert_eq!(env.config_dir, PathBuf::from("/usr/share/kibana/config"));
    assert_eq!(env.config_paths.len(), 2);
    assert!(env.cli_args.verbose);
}

#[test]
fn package_info_defaults_to_this_build_and_can_be_given() {
    let env = Env::new(EnvOptions::default());
    assert_eq!(env.package_info, PackageInfo::default());
    assert_eq!(env.package_info.version, env!("CARGO_PKG_VERSION"));
    // Build data is `unknown` unless the build was given it (CORE_BUILD_*, at compile time).
    let branch = option_env!("CORE_BUILD_BRANCH").unwrap_or("unknown");
    assert_eq!(env.package_info.branch, branch);
    let sha = option_env!("CORE_BUILD_SHA").unwrap_or("unknown");
    assert_eq!(env.package_info.build_sha, sha);

    let given = PackageInfo {
        version: "7.2.0".into(),
        branch: "7.2".into(),
        build_num: 24_000,
        build_sha: "abc123".into(),
        dist: true,
        elasticsearch: Vec::new(),
    };
    let env = Env::new(EnvOptions {
        package_info: Some(given.clone()),
        ..EnvOptions::default()
    });
    assert_eq!(env.package_info, given);
}

#[test]
fn env_serializes_with_kibanas_field_names() {
    let env = Env::new(EnvOptions {
        home_dir: PathBuf::from("/k"),
        ..EnvOptions::default()
    });
    let json = serde_json::to_value(&env).unwrap();
    assert_eq!(json["configDir"], "/k/config");
    assert_eq!(json["mode"]["name"], "production");
    assert_eq!(
        json["packageInfo"]["buildNum"],
        PackageInfo::default().build_num
    );
    assert_eq!(json["cliArgs"]["dev"], false);
}

#[test]
fn the_test_env_is_development_mode_in_the_current_directory() {
    let env = core_config::testing::test_env();
    assert!(env.mode.dev);
    assert_eq!(env.home_dir, std::env::current_dir().unwrap());
}
