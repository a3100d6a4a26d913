# auth_jwt_forward_claim, auth_jwt_forward_payload, auth_jwt_forward_token:
# identity to the upstream services as request headers that a client can
# never forge.  The upstreams are real: a proxied location of the same
# server that echoes what it receives, and a FastCGI responder (fcgiwrap).

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;
use IO::Socket::INET;
use POSIX ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# fcgiwrap on a free port, ours to stop
my $fcgi_pid;
{
    my $port;
    for my $p (server_port() + 10 .. server_port() + 200) {
        # no SO_REUSEADDR: fcgiwrap binds without it
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => $p, Listen => 1)
            or next;
        close $s;
        $port = $p;
        last;
    }
    $ENV{TEST_NGINX_FCGI_PORT} = $port;

    if (-x '/usr/sbin/fcgiwrap') {
        $fcgi_pid = fork;
        die "fork: $!" unless defined $fcgi_pid;
        if ($fcgi_pid == 0) {
            open STDIN, '<', '/dev/null';
            { exec '/usr/sbin/fcgiwrap', '-s', "tcp:127.0.0.1:$port",
                   '-p', "$ENV{TEST_NGINX_DATA_DIR}/fcgi-env.sh" };
            POSIX::_exit(127);
        }
        # wait until it listens (bounded)
        my $up;
        for (1 .. 50) {
            $up = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                        PeerPort => $port) and last;
            select undef, undef, undef, 0.05;
        }
        warn "fcgiwrap did not start on port $port\n" unless $up;
    }
}
END {
    if ($fcgi_pid) {
        kill 'TERM', $fcgi_pid;
        waitpid $fcgi_pid, 0;
    }
}

sub bearer { "Authorization: Bearer " . jwt(@_) }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $extra = $block->forward // '';
    $block->set_value('config', <<"CONF");
    underscores_in_headers on;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id    sub;
        auth_jwt_forward_claim X-User-Roles realm_access roles;
$extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[\$http_x_user_id] roles=[\$http_x_user_roles] auth=[\$http_authorization]\\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: claims reach the upstream as headers
--- request
GET /api
--- more_headers eval
bearer(claims => {sub => 'alice', realm_access => {roles => ['admin', 'user']}})
--- response_body_like: ^id=\[alice\] roles=\[admin,user\] auth=\[Bearer ey



=== TEST 2: forged headers in every spelling are removed for a valid token
--- request
GET /api
--- more_headers eval
bearer(claims => {sub => 'alice'}) . "\r\nX-User-Id: mallory\r\nx-user-id: mallory\r\nX_User_Id: mallory\r\nX-USER-ROLES: admin"
--- response_body_like: ^id=\[alice\] roles=\[\] auth
--- error_log
auth_jwt: the client's "X_User_Id" header removed



=== TEST 3: forged headers are removed for an invalid token and for none
--- config
    underscores_in_headers on;
    satisfy any;
    allow 127.0.0.1;
    deny all;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[$http_x_user_id]\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-User-Id: mallory",
 "X_User_Id: mallory\r\n" . "Authorization: Bearer " . tamper_payload(jwt(), {sub => 'mallory'}),
 "X-User-Id: mallory\r\n" . "Authorization: Bearer " . jwt(claims => {exp => time - 100})]
--- response_body eval
["id=[]\n", "id=[]\n", "id=[]\n"]



=== TEST 4: a rejected token never reaches the upstream; forged headers neither
--- request
GET /api
--- more_headers eval
"X-User-Id: mallory\r\nAuthorization: Bearer " . tamper_sig(jwt())
--- error_code: 401
--- response_body_unlike: mallory



=== TEST 5: auth_jwt off inherited: the names are still removed
--- config
    underscores_in_headers on;
    auth_jwt_forward_claim X-User-Id sub;
    location /public {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        auth_jwt_forward_claim X-Other sub;
        return 200 "id=[$http_x_user_id]\n";
    }
--- request
GET /public
--- more_headers
X-User-Id: mallory
X_USER_ID: mallory
--- response_body
id=[]



=== TEST 6: an absent claim: the header is left out, the forged one still goes
--- request
GET /api
--- more_headers eval
bearer(claims => {sub => 'alice'}) . "\r\nX-User-Roles: admin"
--- response_body_like: ^id=\[alice\] roles=\[\]



=== TEST 7: values: numbers and booleans as JSON text, objects as compact JSON
--- forward
        auth_jwt_forward_claim X-User-Level level;
        auth_jwt_forward_claim X-User-Admin admin;
        auth_jwt_forward_claim X-User-Info  info;
        auth_jwt_forward_claim X-User-Mail  info email;
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Level level;
        auth_jwt_forward_claim X-User-Admin admin;
        auth_jwt_forward_claim X-User-Info  info;
        auth_jwt_forward_claim X-User-Mail  info email;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "level=[$http_x_user_level] admin=[$http_x_user_admin] info=[$http_x_user_info] mail=[$http_x_user_mail]\n";
    }
--- request
GET /api
--- more_headers eval
bearer(claims => {level => 3.5, admin => JSON::PP::false,
                  info => {email => 'a@b.test', n => 1}})
--- response_body
level=[3.5] admin=[false] info=[{"email":"a@b.test","n":1}] mail=[a@b.test]



=== TEST 8: a value with a control character is not forwarded, and logged
--- request
GET /api
--- more_headers eval
bearer(claims => {sub => "alice\r\nX-Admin: 1"})
--- response_body_like: ^id=\[\] roles
--- error_log
auth_jwt: "X-User-Id" not forwarded: the value holds a control character



=== TEST 9: a value over the limit is not forwarded, and logged
--- forward
        auth_jwt_forward_max_length 16;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(claims => {sub => 'x' x 17}), bearer(claims => {sub => 'x' x 16})]
--- response_body_like eval
['^id=\[\] roles', '^id=\[x{16}\] roles']
--- error_log
"X-User-Id" not forwarded: the value is 17 bytes, more than 16



=== TEST 10: the default limit is 4 KiB
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(claims => {sub => 'y' x 4097}), bearer(claims => {sub => 'y' x 4096})]
--- response_body_like eval
['^id=\[\] roles', '^id=\[y{4096}\] roles']



=== TEST 11: auth_jwt_forward_token off: Authorization does not go upstream
--- forward
        auth_jwt_forward_token off;
--- request
GET /api
--- more_headers eval
bearer()
--- response_body
id=[alice] roles=[] auth=[]



=== TEST 12: auth_jwt_forward_token off with a cookie and an argument
--- config
    location /cookie {
        auth_jwt          "test" token=$cookie_auth_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /arg {
        auth_jwt          "test" token=$arg_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "cookie=[$http_cookie] args=[$args]\n";
    }
--- request eval
["GET /cookie", "GET /arg?a=1&access_token=" . jwt() . "&b=2"]
--- more_headers eval
["Cookie: a=1; auth_token=" . jwt() . "; b=2", "X-None: 1"]
--- response_body eval
["cookie=[a=1; b=2] args=[]\n", "cookie=[] args=[a=1&b=2]\n"]



=== TEST 13: by default the token goes upstream
--- request
GET /api
--- more_headers eval
bearer()
--- response_body_like: auth=\[Bearer ey[^\]]+\]$



=== TEST 14: auth_jwt_forward_payload: every claim, base64url-encoded
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_payload X-JWT-Payload;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "$http_x_jwt_payload\n";
    }
--- request
GET /api
--- more_headers eval
"X-JWT-Payload: forged\r\nAuthorization: Bearer " . jwt_raw(header => '{"alg":"RS256","kid":"rsa1"}',
    payload => '{"sub":"bob","exp":' . (time + 300) . '}')
--- response_body eval
JWTGate::Token::b64u('{"sub":"bob","exp":' . (time + 300) . '}') . "\n"



=== TEST 15: the headers reach a FastCGI upstream as HTTP_X_USER_*
--- skip_eval: 1: !-x '/usr/sbin/fcgiwrap'
--- config
    underscores_in_headers on;
    location /fcgi {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id    sub;
        auth_jwt_forward_claim X-User-Roles roles;
        auth_jwt_forward_token off;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $TEST_NGINX_DATA_DIR/fcgi-env.sh;
        fastcgi_pass 127.0.0.1:$TEST_NGINX_FCGI_PORT;
    }
--- request
GET /fcgi
--- more_headers eval
bearer(claims => {sub => 'carol', roles => ['a', 'b']}) . "\r\nX_User_Id: mallory\r\nX-User-Roles: admin"
--- response_body
HTTP_X_USER_ID=[carol]
HTTP_X_USER_ROLES=[a,b]
HTTP_AUTHORIZATION=[]



=== TEST 16: forged headers are removed before a FastCGI upstream too
--- skip_eval: 1: !-x '/usr/sbin/fcgiwrap'
--- config
    underscores_in_headers on;
    satisfy any;
    allow all;
    location /fcgi {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $TEST_NGINX_DATA_DIR/fcgi-env.sh;
        fastcgi_pass 127.0.0.1:$TEST_NGINX_FCGI_PORT;
    }
--- request
GET /fcgi
--- more_headers
X_User_Id: mallory
--- response_body_like: ^HTTP_X_USER_ID=\[\]



=== TEST 17: after an internal redirect the headers are still right
--- config
    underscores_in_headers on;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        try_files /nonexistent @up;
    }
    location @up {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_token off;
        rewrite ^ /echo break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /echo {
        return 200 "id=[$http_x_user_id] auth=[$http_authorization]\n";
    }
--- request
GET /api
--- more_headers eval
bearer(claims => {sub => 'dave'}) . "\r\nX-User-Id: mallory"
--- response_body
id=[dave] auth=[]



=== TEST 18: a header name nginx reads itself fails nginx -t
--- config
    auth_jwt_forward_claim Host sub;
--- must_die
--- error_log
header "Host" cannot be forwarded: nginx reads it itself



=== TEST 19: an invalid header name fails nginx -t
--- config
    auth_jwt_forward_claim "X User" sub;
--- must_die
--- error_log
invalid header name "X User"



=== TEST 20: auth_jwt_forward_payload twice fails nginx -t
--- config
    auth_jwt_forward_payload X-A;
    auth_jwt_forward_payload X-B;
--- must_die
--- error_log
"auth_jwt_forward_payload" directive is duplicate



=== TEST 21: a redirect into a location with auth_jwt off keeps the verified identity
--- config
    underscores_in_headers on;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        try_files /nonexistent @open;
    }
    location @open {
        # auth_jwt off here, the names forwarded all the same
        auth_jwt_forward_claim X-User-Id sub;
        rewrite ^ /echo break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /echo {
        return 200 "id=[$http_x_user_id]\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(claims => {sub => 'erin'}) . "\r\nX-User-Id: mallory",
 "X-User-Id: mallory\r\nAuthorization: Bearer " . tamper_sig(jwt())]
--- error_code eval
[200, 401]
--- response_body_like eval
['^id=\[erin\]$', error_page(401)]



=== TEST 22: $http_<name> read before the location is read again after the strip
--- config
    underscores_in_headers on;
    set $early $http_x_user_id;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        return 200 "now=[$http_x_user_id]\n";
    }
--- request
GET /api
--- more_headers eval
bearer(claims => {sub => 'frank'}) . "\r\nX-User-Id: mallory"
--- response_body
now=[frank]



=== TEST 23: the token cookie goes whatever the letter case of its name
--- config
    location /cookie {
        auth_jwt          "test" token=$cookie_session;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "cookie=[$http_cookie]\n";
    }
--- request
GET /cookie
--- more_headers eval
"Cookie: a=1; SESSION=" . jwt()
--- response_body
cookie=[a=1]



=== TEST 24: a token removed by one location stays out after a redirect, and still counts
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        try_files /nonexistent @next;
    }
    location @next {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim sub eq alice;
        rewrite ^ /echo break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /echo {
        return 200 "auth=[$http_authorization]\n";
    }
--- request
GET /api
--- more_headers eval
bearer()
--- response_body
auth=[]



=== TEST 25: a header forwarded twice fails nginx -t
--- config
    auth_jwt_forward_claim X-User-Id sub;
    auth_jwt_forward_claim x_user_id uid;
--- must_die
--- error_log
header "x_user_id" is forwarded twice
