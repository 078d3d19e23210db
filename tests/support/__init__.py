"""Test support: everything tests, contract tests and benchmarks share, importable by module.

- `settings`: the testing profile and the PostgreSQL test server's address;
- `databases`: fresh PostgreSQL databases, emptying tables, rebinding the models;
- `inprocess`: the repeated API calls through Falcon's test client;
- `over_http`: the same calls over real HTTP, against a live server;
- `gunicorn`: a real gunicorn on a free port;
- `widgets`: widget bodies and the collection's path;
- `tokens`: tokens forged with chosen claims or headers, and how a refusal looks;
- `logs`: the service's log captured as production writes it;
- `proxy`: a TCP proxy in front of the database that a test can cut, silence and restore;
- `concurrency`: requests sent at once, for the race tests.

Conftest files hold fixtures only; they import what they need from here.
"""
