# Subrequests (ssi, mirror, auth_request) in a protected location: nginx
# runs no access phase for them, so the check answers in the rewrite
# phase, and the client's copies of the forwarded names go as in any
# request.  A key fetch is never checked.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

sub bearer { "Authorization: Bearer " . jwt(@_) }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $extra = $block->extra // '';
    $block->set_value('config', <<"CONF");
    location /api/ {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /echo {
        return 200 "id=[\$http_x_user_id]\\n";
    }
$extra
CONF
});

run_tests();

__DATA__

=== TEST 1: ssi: an included protected location checks the token
--- extra
    location = /page {
        ssi on;
        default_type text/html;
        return 200 '<!--# include virtual="/api/who" -->';
    }
--- request
GET /page
--- more_headers
X-User-Id: admin
--- error_code: 200
--- response_body_like: 401 Authorization Required
--- error_log
auth_jwt: no token
the client's "X-User-Id" header removed



=== TEST 2: ssi: with a valid token the include sees the token's identity only
--- extra
    location = /page {
        ssi on;
        default_type text/html;
        return 200 '<!--# include virtual="/api/who" -->';
    }
--- request
GET /page
--- more_headers eval
"X-User-Id: admin\n" . bearer()
--- error_code: 200
--- response_body
id=[alice]
--- no_error_log
[error]



=== TEST 3: mirror: the mirrored protected request is checked and stripped
--- extra
    location = /m {
        mirror /api/who;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
--- request
GET /m
--- more_headers
X-User-Id: admin
--- error_code: 200
--- response_body
id=[admin]
--- error_log
auth_jwt: no token
the client's "X-User-Id" header removed



=== TEST 4: auth_request to a location with auth_jwt: no token is 401 with the challenge
--- extra
    location = /_validate {
        internal;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 204;
    }
    location /protected {
        auth_request /_validate;
        auth_request_set $user $jwt_claim_sub;
        proxy_set_header X-User-Id $user;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
--- request
GET /protected
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"



=== TEST 5: auth_request to a location with auth_jwt: a forged token is 401
--- extra
    location = /_validate {
        internal;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 204;
    }
    location /protected {
        auth_request /_validate;
        auth_request_set $user $jwt_claim_sub;
        proxy_set_header X-User-Id $user;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
--- request
GET /protected
--- more_headers eval
"Authorization: Bearer " . tamper_sig(jwt())
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"



=== TEST 6: auth_request to a location with auth_jwt: a valid token passes, its claims usable
--- extra
    location = /_validate {
        internal;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 204;
    }
    location /protected {
        auth_request /_validate;
        auth_request_set $user $jwt_claim_sub;
        proxy_set_header X-User-Id $user;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
--- request
GET /protected
--- more_headers eval
bearer(claims => {sub => 'bob'})
--- error_code: 200
--- response_body
id=[bob]
--- no_error_log
[error]



=== TEST 7: auth_request: a rule of the target location answers 403
--- extra
    location = /_validate {
        internal;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim role eq admin;
        return 204;
    }
    location /protected {
        auth_request /_validate;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
--- request
GET /protected
--- more_headers eval
bearer(claims => {role => 'user'})
--- error_code: 403

