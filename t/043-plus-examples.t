# The configuration examples of the NGINX Plus ngx_http_auth_jwt_module
# documentation, unchanged but for the key file's path, behave as
# documented there.
#
# Keeps the real Test::Nginx's HUP mode (t/lib/README.md): only TEST 9
# fetches keys into the shared zone, and no block reads auth_jwt_status.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

no_root_location();
run_tests();

__DATA__

=== TEST 1: the module's example: auth_jwt "closed site" + key file
--- config
    location / {
        auth_jwt          "closed site";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "in\n";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["X-None: 1", "Authorization: Bearer " . jwt()]
--- error_code eval
[401, 200]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"closed site\"", "!WWW-Authenticate"]



=== TEST 2: the token from a cookie
--- config
    location / {
        auth_jwt "closed site" token=$cookie_auth_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "in\n";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Cookie: other=1", "Cookie: a=b; auth_token=" . jwt()]
--- error_code eval
[401, 200]



=== TEST 3: auth_jwt_claim_set $email info e-mail; and auth_jwt_header_set
--- http_config
    auth_jwt_claim_set $email info e-mail;
    auth_jwt_header_set $alg alg;
--- config
    location / {
        auth_jwt          "closed site";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "$email $alg\n";
    }
--- request
GET /
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {info => {'e-mail' => 'a@b.test'}})
--- response_body
a@b.test RS256



=== TEST 4: auth_jwt_require with map (valid_jwt_iss)
--- http_config
    map $jwt_claim_iss $valid_jwt_iss {
        "good" 1;
    }
--- config
    location / {
        auth_jwt          "closed site";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $valid_jwt_iss;
        return 200 "in\n";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {iss => 'good'}),
 "Authorization: Bearer " . jwt(claims => {iss => 'bad'})]
--- error_code eval
[200, 401]



=== TEST 5: auth_jwt_require $req1 $req2 error=403
--- http_config
    map $jwt_claim_role $req1 { admin 1; }
    map $jwt_claim_scope $req2 { restricted 1; }
--- config
    location /profile/ {
        auth_jwt          "closed site";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $req1 $req2 error=403;
        return 200 "in\n";
    }
--- request eval
["GET /profile/", "GET /profile/"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {role => 'admin', scope => 'restricted'}),
 "Authorization: Bearer " . jwt(claims => {role => 'admin'})]
--- error_code eval
[200, 403]



=== TEST 6: the whole set of Plus directives at their documented levels
--- http_config
    auth_jwt_claim_set $jwt_roles realm_access roles;
--- config
    auth_jwt_leeway 30s;
    auth_jwt_type   signed;
    location / {
        auth_jwt          "closed site";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        limit_except GET {
            auth_jwt off;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
        proxy_set_header X-Roles $jwt_roles;
    }
    location /backend {
        return 200 "roles=$http_x_roles\n";
    }
--- request eval
["GET /", "POST /\nx"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa2', claims => {realm_access => {roles => ['x', 'y']}, exp => time - 5}),
 "X-None: 1"]
--- error_code eval
[200, 200]
--- response_body eval
["roles=x,y\n", "roles=\n"]



=== TEST 7: auth_jwt at server level, key files in the locations
--- config
    auth_jwt "closed site";
    location /a {
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "a\n";
    }
    location /b {
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        return 200 "b\n";
    }
--- request eval
["GET /a", "GET /b", "GET /b"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1'), "Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa2')]
--- error_code eval
[200, 401, 200]



=== TEST 8: a location under it without keys still fails nginx -t
--- config
    auth_jwt "closed site";
    location /a {
        return 200 "a\n";
    }
--- must_die
--- error_log
"auth_jwt" is on but no key source is configured



=== TEST 9: the key request with variables, a tenant per host (auth_jwt_key_request /jwks_uri/$tenant, an internal location)
--- http_config
    map $host $tenant {
        default       none;
        a.example     jwks-rsa1.json;
        b.example     jwks-rsa2.json;
    }
--- config
    location / {
        auth_jwt             "closed site";
        auth_jwt_key_request /jwks_uri/$tenant;
        return 200 "in\n";
    }
    location /jwks_uri/ {
        internal;
        alias $TEST_NGINX_DATA_DIR/;
    }
--- request eval
["GET /", "GET /", "GET /"]
--- more_headers eval
["Host: a.example\nAuthorization: Bearer " . jwt(key => 'rsa1'),
 "Host: b.example\nAuthorization: Bearer " . jwt(key => 'rsa2'),
 "Host: b.example\nAuthorization: Bearer " . jwt(key => 'rsa1')]
--- error_code eval
[200, 200, 401]



=== TEST 10: the key file named by a variable only (auth_jwt_key_file $jwt_key_file)
--- http_config
    map $host $jwt_key_file {
        default       "";
        a.example     $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- config
    location / {
        auth_jwt          "closed site";
        auth_jwt_key_file $jwt_key_file;
        return 200 "in\n";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Host: a.example\nAuthorization: Bearer " . jwt(key => 'rsa1'),
 "Host: c.example\nAuthorization: Bearer " . jwt(key => 'rsa1')]
--- error_code eval
[200, 401]
