# Variables: $jwt_claim_<name>, $jwt_header_<name>, $jwt_payload,
# $jwt_claims, $jwt_error -- filled only for a token that verified,
# kept across internal redirects, readable in log_format.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: claims and header members of a valid token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "sub=$jwt_claim_sub aud=$jwt_claim_aud roles=$jwt_claim_roles alg=$jwt_header_alg kid=$jwt_header_kid error=[$jwt_error]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {aud => ['api', 'web'], roles => ['a', 'b']})
--- response_body
sub=alice aud=api,web roles=a,b alg=RS256 kid=rsa1 error=[]



=== TEST 2: $jwt_payload and $jwt_claims are the payload JSON as sent, without whitespace between tokens
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "$jwt_payload\n$jwt_claims\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"RS256","kid":"rsa1"}',
    payload => '{"sub":"bob",  "exp":' . (time + 300) . '}')
--- response_body_like: ^\{"sub":"bob","exp":\d+\}\n\{"sub":"bob","exp":\d+\}\n$



=== TEST 3: $jwt_error names the reason on an error page
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        error_page 401 /why;
        empty_gif;
    }
    location = /why {
        internal;
        return 401 "why=$jwt_error sub=[$jwt_claim_sub]\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {exp => time - 100}),
 "Authorization: Bearer " . tamper_sig(jwt()),
 "X-Nothing: 1"]
--- error_code eval
[401, 401, 401]
--- response_body eval
["why=expired sub=[]\n", "why=bad_signature sub=[]\n", "why=missing sub=[]\n"]



=== TEST 4: $jwt_error for a failed rule
--- config
    location /api {
        auth_jwt               "test";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim role eq admin;
        error_page 403 /why;
        empty_gif;
    }
    location = /why {
        internal;
        return 403 "why=$jwt_error sub=$jwt_claim_sub\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {role => 'user'})
--- error_code: 403
--- response_body
why=insufficient_scope sub=alice



=== TEST 5: a forged token fills no claim variable
--- config
    satisfy any;
    allow 127.0.0.1;
    deny all;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "sub=[$jwt_claim_sub] payload=[$jwt_payload] alg=[$jwt_header_alg] error=$jwt_error\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . tamper_payload(jwt(), {sub => 'admin'})
--- response_body
sub=[] payload=[] alg=[] error=bad_signature



=== TEST 6: variables survive try_files and a named location
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        try_files /nonexistent @backend;
    }
    location @backend {
        return 200 "sub=$jwt_claim_sub\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {sub => 'carol'})
--- response_body
sub=carol



=== TEST 7: variables survive rewrite ... last into another protected location
--- config
    location /old {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        rewrite ^/old/(.*)$ /new/$1 last;
    }
    location /new {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "new $uri sub=$jwt_claim_sub\n";
    }
--- request
GET /old/x
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {sub => 'dave'})
--- response_body
new /new/x sub=dave



=== TEST 8: variables in the access log
--- http_config
    log_format jwt '$request_uri sub=$jwt_claim_sub err=$jwt_error';
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        access_log logs/jwt.log jwt;
        empty_gif;
    }
    location = /log {
        default_type text/plain;
        alias logs/jwt.log;
    }
--- request eval
["GET /api?1", "GET /api?2", "GET /log"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {sub => 'erin'}), "X-None: 1", "X-None: 1"]
--- error_code eval
[200, 401, 200]
--- response_body_like eval
[qr/\AGIF89a/, error_page(401),
 '^/api\?1 sub=erin err=\n/api\?2 sub=- err=missing\n$']
