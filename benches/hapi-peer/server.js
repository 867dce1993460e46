'use strict';

// bench-hapi-peer: the per-request work of Kibana 7.x's HTTP server, on @hapi/hapi 21 and joi, serving
// the routes and answers of benches/plain-actix, for `cargo xtask bench`. Bench-only; not part of the
// Rust workspace.
//
// Per request, as Kibana 7.x did it: a no-op onPreAuth extension, the auth strategy registered as the
// default (routes without auth opt out with `auth: false`, like Kibana's `authRequired: false`), a no-op
// onPostAuth extension, and joi validation of the path parameter. No per-request logging.
//
// Usage: node server.js PORT   (listens on 127.0.0.1:PORT; prints `listening on <address>`)

const Hapi = require('@hapi/hapi');
const Boom = require('@hapi/boom');
const Joi = require('joi');

// The one credential the guarded route accepts: `bench:bench-password` as HTTP Basic, the same value
// as BENCH_AUTHORIZATION in xtask/src/bench/mod.rs and benches/plain-actix.
const BENCH_AUTHORIZATION = 'Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ=';

// Longest name the validated route accepts, like the greeting plugin's default.
const MAX_NAME_LENGTH = 50;

function port() {
  const raw = process.argv[2];
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`usage: node server.js PORT (got \`${raw}\`)`);
    process.exit(2);
  }
  return value;
}

// Non-blank, at most MAX_NAME_LENGTH characters; the name is not changed (no trim conversion).
const nameParams = Joi.object({
  name: Joi.string()
    .max(MAX_NAME_LENGTH)
    .pattern(/\S/)
    .required(),
});

const validateName = {
  params: nameParams,
  failAction: () => {
    throw Boom.badRequest('[request params.name]: invalid name');
  },
};

// The auth scheme: checks the Basic header, answers 401 through Boom otherwise.
function benchBasicScheme() {
  return {
    authenticate(request, h) {
      if (request.headers.authorization === BENCH_AUTHORIZATION) {
        return h.authenticated({ credentials: { username: 'bench' } });
      }
      throw Boom.unauthorized('Invalid authorization header', 'Basic');
    },
  };
}

function helloName(request) {
  return { message: `Hello, ${request.params.name}!` };
}

async function main() {
  const server = Hapi.server({
    host: '127.0.0.1',
    port: port(),
    // No per-request logging or debug output.
    debug: false,
    // Kibana 7.x's server-wide route and cookie options.
    routes: {
      cors: false,
      validate: { options: { abortEarly: false } },
    },
    state: {
      strictHeader: false,
      isHttpOnly: true,
      isSameSite: false,
    },
  });
  server.validator(Joi);

  // Kibana 7.x registered its lifecycle interceptors as hapi extensions on every request.
  server.ext('onPreAuth', (request, h) => h.continue);
  server.auth.scheme('bench-basic', benchBasicScheme);
  server.auth.strategy('bench', 'bench-basic');
  server.auth.default('bench');
  server.ext('onPostAuth', (request, h) => h.continue);

  server.route([
    {
      method: 'GET',
      path: '/api/status',
      options: { auth: false },
      handler: () => ({ name: 'bench-hapi-peer', status: { overall: { state: 'green' } } }),
    },
    {
      method: 'GET',
      path: '/api/hello',
      options: { auth: false },
      handler: () => ({ message: 'Hello, World!' }),
    },
    {
      method: 'GET',
      path: '/api/greeting/hello/{name}',
      options: { auth: false, validate: validateName },
      handler: helloName,
    },
    {
      method: 'GET',
      path: '/api/guarded/greeting/hello/{name}',
      options: { validate: validateName },
      handler: helloName,
    },
  ]);

  await server.start();
  console.log(`listening on ${server.info.host}:${server.info.port}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
