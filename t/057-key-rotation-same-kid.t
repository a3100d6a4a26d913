# Key rotation under the same kid (docs/KEYSTORE.md): a token whose kid
# names a fetched key (or that has no kid) but whose signature that key
# does not verify makes the gateway fetch the key set again, as an unknown
# kid does, under the same limit (auth_jwt_key_refresh_on_unknown_kid),
# and verify once more with what it got.  Issuers such as node-jose
# replace the key and keep its kid.
#
# The issuer is a second server {} of the same nginx, as in
# t/050-key-request.t: it serves html/.well-known/jwks.json, logs every
# fetch as "fetch <uri> <status>" in logs/fetch.log (GET /fetches), and
# takes a new key set by WebDAV (PUT /issuer/.well-known/jwks.json).  GET
# /tick goes through limit_req at 10 r/s: n ticks take at least
# (n - 1) / 10 s, which is how a block sleeps.
#
# The rotated set is made here from rsa2's public key, published under
# kid "rsa1" (Crypt::PK::RSA, no data file).
#
# Every step is checked on its own (status, and a body pattern: the
# reason of a 401 comes from $jwt_error on an error page), and the fetches
# are counted in the issuer's log, so that the blocks mean the same under
# our runner and the real Test::Nginx (which checks error-log sections
# after every request).

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::IssuerServer qw(issuer_ports data_file api put sleep_s settle
                              fetches_of filters issuer_conf jwks_conf
                              dav_conf fetches_tick_conf issuer_block);
use IO::Socket::INET;
use JSON::PP ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# the issuer's port: the first free one above the server port
issuer_ports(server_port());

# ---------------------------------------------------------------------------
# key sets

# The JWKS of one RSA key of t/data ($key), published under $kid.
sub jwks_as {
    my ($key, $kid) = @_;
    my $pk = Crypt::PK::RSA->new(key_path($key, 'pem'));
    my $jwk = $pk->export_key_jwk('public', 1);
    $jwk->{kid} = $kid;
    $jwk->{use} = 'sig';
    $jwk->{alg} = 'RS256';
    return JSON::PP->new->canonical->encode({ keys => [$jwk] });
}

# tokens made once, so that the same text is sent before and after a
# rotation (and may be a hit of the verified-token cache)
our $OLD = jwt(claims => { sub => 'old' });
our $NEW = jwt(key => 'rsa2', kid => 'rsa1', claims => { sub => 'new' });

# ---------------------------------------------------------------------------
# steps (JWTGate::IssuerServer: data_file api sleep_s settle; api's why is
# the reason of a 401, from /why), and

# rotate($content): the issuer's key set replaced
sub rotate { put('.well-known/jwks.json', @_) }

# fetches($n): the issuer's fetch log has exactly $n lines, each a 200 of
# the key set
sub fetches { fetches_of('/.well-known/jwks.json', (200) x $_[0]) }

filters(qw(data_file jwks_as api rotate sleep_s settle fetches));

# ---------------------------------------------------------------------------
# the issuer (JWTGate::IssuerServer: its key set, the fetch log, WebDAV;
# none of the markers), and the gateway's own locations: /_jwks, /issuer/,
# /fetches, /tick, and /why

my $ISSUER = issuer_conf(full => 0, markers => []);

my $GATEWAY = jwks_conf(timeout => '5s', down => 0) . dav_conf()
            . fetches_tick_conf() . <<'CONF';
    location = /why {
        internal;
        return 401 "why=$jwt_error\n";
    }
CONF

add_block_preprocessor(sub {
    my $block = shift;

    issuer_block($block, $ISSUER, $GATEWAY,
                 [ '.well-known/jwks.json', data_file('jwks-rsa1.json') ]);
});

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: the issuer replaces the key under the same kid: the new token passes after one early fetch, the old one is refused
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 2s;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(token => $main::OLD, body => "ok old\n"),
  api(token => $main::OLD, body => "ok old\n"),
  rotate(jwks_as('rsa2', 'rsa1')),
  sleep_s(2.5),
  api(token => $main::NEW, body => "ok new\n"),
  settle(),
  fetches(2),
  # the set changed: the old key is gone, whatever the token cache held
  api(token => $main::OLD, code => 401, why => 'bad_signature'),
  api(token => $main::NEW, body => "ok new\n"),
  api(token => $main::OLD, code => 401, why => 'bad_signature'),
  settle(),
  fetches(2),
]
--- no_error_log
[error]



=== TEST 2: keys fetched less than the interval ago are not fetched again for a bad signature; after the interval they are
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 3s;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(token => $main::OLD, body => "ok old\n"),
  rotate(jwks_as('rsa2', 'rsa1')),
  api(token => $main::NEW, code => 401, why => 'bad_signature'),
  api(token => $main::NEW, code => 401, why => 'bad_signature'),
  settle(),
  fetches(1),
  sleep_s(3.5),
  api(token => $main::NEW, body => "ok new\n"),
  settle(),
  fetches(2),
]
--- no_error_log
[error]



=== TEST 3: forged signatures under a valid kid: one early fetch per interval however many, another once the interval has passed
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 4s;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(token => $main::OLD, body => "ok old\n"),
  sleep_s(4.5),
  (map { api(token => tamper_sig(jwt(claims => { sub => "forged$_" })),
             code => 401, why => 'bad_signature') } 1 .. 10),
  settle(),
  fetches(2),
  (map { api(key => 'rsa2', kid => 'rsa1', code => 401,
             why => 'bad_signature') } 1 .. 5),
  api(token => $main::OLD, body => "ok old\n"),
  settle(),
  fetches(2),
  sleep_s(4.5),
  api(token => tamper_sig($main::OLD), code => 401, why => 'bad_signature'),
  api(token => tamper_sig($main::OLD), code => 401, why => 'bad_signature'),
  settle(),
  fetches(3),
  api(token => $main::OLD, body => "ok old\n"),
]
--- no_error_log
[error]
--- timeout: 20



=== TEST 4: one limit for both reasons: an early fetch for an unknown kid holds back one for a bad signature, and the other way round
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 3s;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(token => $main::OLD, body => "ok old\n"),
  sleep_s(3.5),
  api(kid => 'made-up', code => 401, why => 'unknown_kid'),
  settle(),
  fetches(2),
  rotate(jwks_as('rsa2', 'rsa1')),
  api(token => $main::NEW, code => 401, why => 'bad_signature'),
  settle(),
  fetches(2),
  sleep_s(3.5),
  api(token => $main::NEW, body => "ok new\n"),
  settle(),
  fetches(3),
  api(kid => 'made-up-2', code => 401, why => 'unknown_kid'),
  settle(),
  fetches(3),
]
--- no_error_log
[error]



=== TEST 5: a token without kid that the fetched keys do not verify refreshes them too
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 2s;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(kid => undef, claims => { sub => 'nokid1' }, body => "ok nokid1\n"),
  rotate(jwks_as('rsa2', 'rsa1')),
  sleep_s(2.5),
  api(key => 'rsa2', kid => undef, claims => { sub => 'nokid2' },
      body => "ok nokid2\n"),
  settle(),
  fetches(2),
  api(kid => undef, code => 401, why => 'bad_signature'),
  settle(),
  fetches(2),
]
--- no_error_log
[error]



=== TEST 6: key files never fetch: a bad signature with a key file's kid leaves the fetched keys alone, one with the fetched kid refreshes them
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_file                   $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 2s;
        return 200 "ok $jwt_header_kid\n";
    }
    location /file {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_file                   $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_key_refresh_on_unknown_kid 2s;
        return 200 "file $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(key => 'rsa2', body => "ok rsa2\n"),
  api(uri => '/file', body => "file rsa1\n"),
  sleep_s(2.5),
  # signed by rsa1 under the file's kid rsa2
  api(key => 'rsa1', kid => 'rsa2', code => 401, why => 'bad_signature'),
  api(key => 'rsa1', kid => 'rsa2', code => 401, why => 'bad_signature'),
  # signed by rsa2 under kid rsa1, in a location with key files only
  api(uri => '/file', key => 'rsa2', kid => 'rsa1', code => 401,
      why => 'bad_signature'),
  api(uri => '/file', token => tamper_sig(jwt()), code => 401,
      why => 'bad_signature'),
  settle(),
  fetches(1),
  # the same under the fetched kid: one early fetch (the issuer did not
  # rotate: still refused)
  api(key => 'rsa2', kid => 'rsa1', code => 401, why => 'bad_signature'),
  settle(),
  fetches(2),
]
--- no_error_log
[error]



=== TEST 7: auth_jwt_key_refresh_on_unknown_kid off: a bad signature never fetches either
--- config
    location /api {
        auth_jwt                            "test";
        error_page                          401 /why;
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid off;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(token => $main::OLD, body => "ok old\n"),
  rotate(jwks_as('rsa2', 'rsa1')),
  sleep_s(1.5),
  api(token => $main::NEW, code => 401, why => 'bad_signature'),
  api(kid => undef, key => 'rsa2', code => 401, why => 'bad_signature'),
  api(token => $main::OLD, body => "ok old\n"),
  settle(),
  fetches(1),
]
--- no_error_log
[error]
refreshing keys

