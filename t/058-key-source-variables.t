# Key sources named with variables (NGINX Plus allows both):
# auth_jwt_key_request with variables, every expansion a source of its own,
# at most max_uris= of them, the least recently used out; expansions that
# could lead elsewhere are refused; auth_jwt_key_file names that start with
# a variable.  docs/KEYSTORE.md, docs/DIRECTIVES.md.
#
# The issuer is a second server {} of the same nginx (port
# $TEST_NGINX_ISSUER_PORT, helpers: t/lib/JWTGate/IssuerServer.pm):
# GET /jwks/NAME is html/jwks/NAME (user_files),
# and every fetch is a line "fetch <uri> <status>" of logs/fetch.log, read
# back at the gateway's GET /fetches.  The gateway's /_jwks/NAME is the
# issuer's /jwks/NAME.  GET /tick goes through limit_req at 10 r/s: a run of
# n ticks takes at least (n - 1) / 10 s.
#
# Tenants: acme signs with rsa1, globex with rsa2, initech with ec256.

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;
use JWTGate::IssuerServer qw(issuer_ports data_file sleep_s fetches_of
                              filters vhost_conf fetches_tick_conf
                              issuer_block);
use IO::Socket::INET;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# ports next to the server port: the issuer, a block's second server {}
issuer_ports(server_port(), qw(VHOST));

my %TENANT_KEY = (acme => 'rsa1', globex => 'rsa2', initech => 'ec256');

sub tenant_jwks {
    my ($t) = @_;
    my $k = $TENANT_KEY{$t};
    return $k eq 'ec256' ? '{"keys":[' . data_file('ec256.jwk') . ']}'
                         : data_file("jwks-$k.json");
}

# a token of a tenant
sub tok {
    my ($t) = @_;
    my $k = $TENANT_KEY{$t};
    return $k eq 'ec256' ? jwt(alg => 'ES256', key => 'ec256')
                         : jwt(key => $k);
}

# api(tenant, token's tenant, code[, host]): GET /api?t=TENANT (host set: at
# the block's second server {}, through /vhost/)
sub api {
    my ($t, $tt, $code, $host) = @_;
    my $h = "Authorization: Bearer " . tok($tt);
    # another virtual host: the block's second server {} (see /vhost/)
    my $uri = defined $host ? "/vhost/api" : "/api";
    return { request => "GET $uri?t=$t", headers => $h, code => $code,
             body => $code == 200 ? "ok $t\n" : undef };
}

# raw(uri, code[, body]): GET uri with acme's token
sub raw {
    my ($uri, $code, $body) = @_;
    return { request => "GET $uri",
             headers => "Authorization: Bearer " . tok('acme'),
             code => $code, body => $body };
}

# sleep_s($s) (JWTGate::IssuerServer): at least $s seconds pass
sub settle { sleep_s(0.3) }

# the issuer's fetch log is exactly these lines ("URI STATUS")
sub fetches { fetches_of(undef, @_) }

filters(qw(api raw sleep_s settle fetches tok data_file));

my $ISSUER = <<'CONF';
    log_format fetch 'fetch $uri $status';
    limit_req_zone $binary_remote_addr zone=tick:1m rate=10r/s;
    limit_req_log_level info;

    server {
        listen 127.0.0.1:$TEST_NGINX_ISSUER_PORT;
        server_name issuer;
        root html;
        access_log off;
        default_type application/json;

        location /jwks/ {
            access_log logs/fetch.log fetch;
        }
        location /jwks-b/ {
            access_log logs/fetch.log fetch;
        }
        location = /jwks/moved {
            access_log logs/fetch.log fetch;
            return 302 /jwks/acme;
        }
        location ^~ /dav/ {
            alias html/;
            dav_methods PUT;
        }
    }
CONF

# the gateway's /vhost/ (a block's second server {}), /fetches and /tick
# (JWTGate::IssuerServer), and its /_jwks/NAME
my $GATEWAY = vhost_conf() . <<'CONF' . fetches_tick_conf();
    location /_jwks/ {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/jwks/;
    }
CONF

add_block_preprocessor(sub {
    my $block = shift;

    my @files = map { [ "jwks/$_", tenant_jwks($_) ] } sort keys %TENANT_KEY;
    push @files, [ 'jwks-b/acme', tenant_jwks('globex') ];
    issuer_block($block, $ISSUER, $GATEWAY, @files);
});

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: two tenants through /_jwks/$tenant: each accepts only its own tokens, one fetch per tenant
--- http_config
    map $arg_t $tenant {
        default  unknown;
        acme     acme;
        globex   globex;
    }
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$tenant;
        auth_jwt_key_refresh_on_unknown_kid off;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  api('globex', 'acme', 401),
  api('acme', 'globex', 401),
  (map { (api('acme', 'acme', 200), api('globex', 'globex', 200)) } 1 .. 4),
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200'),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": \d+ keys, generation \d+/
--- grep_error_log_out
auth_jwt_key_request "/_jwks/acme": 1 keys, generation 1
auth_jwt_key_request "/_jwks/globex": 1 keys, generation 1
--- error_log
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]



=== TEST 2: max_uris=2: the least recently used tenant goes out, and is fetched again when it comes back
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t max_uris=2;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  api('acme', 'acme', 200),          # acme is the most recently used
  sleep_s(1.3),                      # only what was not used for a second
                                     # goes out
  api('initech', 'initech', 200),    # globex goes out
  api('acme', 'acme', 200),          # still there: no fetch
  api('initech', 'initech', 200),
  sleep_s(1.3),
  api('globex', 'globex', 200),      # fetched again, acme goes out
  api('initech', 'initech', 200),
  api('globex', 'globex', 200),
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200', '/jwks/initech 200',
          '/jwks/globex 200'),
]
--- no_error_log
[error]



=== TEST 3: max_uris=2 and names made up by a client while two tenants are in use: the made-up names wait (503) without a fetch, the tenants keep their keys; the status sums them
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t max_uris=2;
        return 200 "ok $arg_t\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- steps eval
[
  (map { (api('acme', 'acme', 200), api('globex', 'globex', 200),
          { %{ api("nobody$_", 'acme', 503) },
            hlike => "Retry-After: 1" }) } 1 .. 10),
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200'),
  { request => "GET /status", code => 200,
    like => qr/"sources":\[\{"uri":"\/_jwks\/\$arg_t","issuer":"","server":"localhost","fetches_ok":2,"fetches_failed":0,.*"keys":2\}\].*"entries":3\b/ },
]
--- error_log
auth_jwt_key_request "/_jwks/$arg_t": all of its 2 URIs (max_uris=) were used in the last second, a new one waits
--- no_error_log
[alert]



=== TEST 4: max_uris=2: a third tenant waits (503, Retry-After: 1) while the two are in use, and is served once one of them was not used for a second
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t max_uris=2;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  { %{ api('initech', 'initech', 503) }, hlike => "Retry-After: 1" },
  api('acme', 'acme', 200),
  sleep_s(1.3),
  api('initech', 'initech', 200),
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200', '/jwks/initech 200'),
]
--- error_log
all of its 2 URIs (max_uris=) were used in the last second, a new one waits



=== TEST 5: hostile expansions fail closed (401, no fetch): "..", ".", "%", "?", "..;", a leading variable without "/", too long
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t;
        return 200 "ok $arg_t\n";
    }
    location /lead {
        auth_jwt             "test";
        auth_jwt_key_request $arg_u;
        return 200 "ok\n";
    }
--- steps eval
[
  raw('/api?t=..', 401),
  raw('/api?t=acme/../acme', 401),
  raw('/api?t=.', 401),
  raw('/api?t=%2e%2e', 401),
  raw('/api?t=acme%0d%0aX-Evil:%201', 401),
  raw('/api?t=acme?x=1', 401),
  raw('/api?t=..;/acme', 401),
  raw('/lead?u=_jwks/acme', 401),
  raw('/lead?u=', 401),
  raw('/api?t=' . ('a' x 600), 401),
  raw('/api?t=acme', 200, "ok acme\n"),
  raw('/lead?u=/_jwks/acme', 200, "ok\n"),
  settle(),
  fetches('/jwks/acme 200', '/jwks/acme 200'),
]
--- error_log
auth_jwt_key_request "/_jwks/$arg_t": "/_jwks/.." is refused: a "." or ".." segment, no keys from it
auth_jwt: token rejected: no_keys
--- grep_error_log eval
qr/is refused/
--- grep_error_log_out eval
qr/^(?:is refused\n){1,2}$/
--- no_error_log
[alert]



=== TEST 6: each reason of a refused expansion
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t;
        return 200 "ok $arg_t\n";
    }
    location /lead {
        auth_jwt             "test";
        auth_jwt_key_request $arg_u;
        return 200 "ok\n";
    }
--- steps eval
[
  raw('/api?t=a/./b', 401), sleep_s(1.1),
  raw('/api?t=%2e%2e', 401), sleep_s(1.1),
  raw('/api?t=..;/x', 401), sleep_s(1.1),
  raw('/lead?u=_jwks/acme', 401), sleep_s(1.1),
  raw('/lead?u=', 401), sleep_s(1.1),
  raw('/api?t=' . ('a' x 600), 401),
]
--- error_log
"/_jwks/a/./b" is refused: a "." or ".." segment
"/_jwks/%2e%2e" is refused: a character that is not allowed
"/_jwks/..;/x" is refused: a character that is not allowed
"_jwks/acme" is refused: it does not start with "/"
"" is refused: it is empty
is refused: it is too long
--- no_error_log
[alert]
--- timeout: 20



=== TEST 7: a NUL from a variable is refused, escaped in the log
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$binary_remote_addr;
        return 200 "ok\n";
    }
--- steps eval
[ raw('/api', 401), settle(), fetches() ]
--- error_log
"/_jwks/\x7f\x00\x00\x01" is refused: a character that is not allowed



=== TEST 8: the same template in two server{}s is a source per server: each its own keys and fetch
--- http_config
    auth_jwt_key_request /_jwks/$arg_t;
    auth_jwt_key_refresh_on_unknown_kid off;
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name b.test;
        location /_jwks/ {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/jwks-b/;
        }
        location /api {
            auth_jwt "test";
            return 200 "ok $arg_t\n";
        }
    }
--- config
    location /api {
        auth_jwt "test";
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('acme', 'globex', 200, 'b.test'),
  api('acme', 'globex', 401),
  api('acme', 'acme', 401, 'b.test'),
  settle(),
  fetches('/jwks/acme 200', '/jwks-b/acme 200'),
]



=== TEST 9: a redirect of the issuer is not followed: the fetch fails, no keys
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  raw('/api?t=moved', 503),
  settle(),
  fetches('/jwks/moved 302'),
]
--- error_log
auth_jwt_key_request "/_jwks/moved": fetch failed: status 302



=== TEST 10: a tenant's key rotated in is fetched for that tenant only (unknown kid)
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t;
        return 200 "ok $arg_t\n";
    }
    location /issuer/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/dav/;
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  { request => "PUT /issuer/jwks/acme\n" . data_file('jwks-rsa12.json'),
    code => 204 },
  { request => "GET /api?t=acme",
    headers => "Authorization: Bearer " . jwt(key => 'rsa2'),
    code => 200, body => "ok acme\n" },
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200', '/jwks/acme 200'),
]
--- error_log
auth_jwt: unknown kid, refreshing keys from "/_jwks/acme"



=== TEST 11: auth_jwt_key_cache 0 with variables: a fetch per request, of the request's tenant
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t;
        auth_jwt_key_cache   0;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  api('acme', 'acme', 200),
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200', '/jwks/acme 200'),
]
--- no_error_log
[error]



=== TEST 12: nginx -t: max_uris= without variables
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/acme max_uris=2;
        return 200;
    }
--- must_die
--- error_log
"max_uris=2" is for a URI with variables



=== TEST 13: nginx -t: max_uris=0
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t max_uris=0;
        return 200;
    }
--- must_die
--- error_log
invalid parameter "max_uris=0": a number from 1 to 1024



=== TEST 14: nginx -t: a URI with variables holds no "%", "?" or "#"
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks/$arg_t?x=1;
        return 200;
    }
--- must_die
--- error_log
a URI with variables may hold letters, digits



=== TEST 15: the NGINX Plus multi-tenant layout: the tenant from a map of the Host, the key request at http level
--- http_config
    map $host $tenant {
        default          none;
        acme.example     acme;
        globex.example   globex;
    }
    auth_jwt_key_request /_jwks/$tenant;
--- config
    location /api {
        auth_jwt "test";
        return 200 "ok $tenant\n";
    }
--- steps eval
[
  { request => "GET /api", headers => "Host: acme.example\nAuthorization: Bearer " . tok('acme'),
    code => 200, body => "ok acme\n" },
  { request => "GET /api", headers => "Host: globex.example\nAuthorization: Bearer " . tok('globex'),
    code => 200, body => "ok globex\n" },
  { request => "GET /api", headers => "Host: globex.example\nAuthorization: Bearer " . tok('acme'),
    code => 401 },
  settle(),
  fetches('/jwks/acme 200', '/jwks/globex 200', '/jwks/globex 200'),
]



=== TEST 16: key files named by a map of the tenant: each tenant's own, none for the default
--- http_config
    map $arg_t $tenant_keys {
        default  "";
        acme     $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        globex   $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
    }
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $tenant_keys;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  api('acme', 'acme', 200),
  api('globex', 'globex', 200),
  api('globex', 'acme', 401),
  api('other', 'acme', 401),
  settle(),
  fetches(),
]
--- error_log
auth_jwt_key_file: the name is empty



=== TEST 17: key files named by a variable: ".." refused, a directory refused, a missing file
--- user_files
>>> keys/acme.json
{"keys":[]}
>>> keys/dir/x
x
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys/$arg_t;
        return 200 "ok $arg_t\n";
    }
--- steps eval
[
  raw('/api?t=../jwks/acme', 401), sleep_s(1.1),
  raw('/api?t=dir', 401), sleep_s(1.1),
  raw('/api?t=nothere', 401),
]
--- error_log eval
[qr/auth_jwt_key_file "[^"]*keys\/\.\.\/jwks\/acme": ".." is not allowed in a name made with variables/,
 qr/auth_jwt_key_file "[^"]*keys\/dir" is not a regular file/,
 qr/auth_jwt_key_file: open\(\) "[^"]*keys\/nothere" failed/]
--- timeout: 20
