# auth_jwt_require_claim: typed rules on claims, ANDed; a failed rule is
# 403 with error="insufficient_scope" unless error= says otherwise.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# one location per rule: /<anything> with the rule from the block's
# "rule" section, answering "ok"
add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $rule = $block->rule // die "block without rule";
    $block->set_value('config', <<"CONF");
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
$rule
        return 200 "ok\\n";
    }
CONF
});

sub bearer { "Authorization: Bearer " . jwt(claims => {@_}) }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

run_tests();

__DATA__

=== TEST 1: eq on a string: equal passes, different fails with 403
--- rule
        auth_jwt_require_claim role eq admin;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(role => 'admin'), bearer(role => 'Admin')]
--- error_code eval
[200, 403]
--- error_log
auth_jwt: token rejected: insufficient_scope (auth_jwt_require_claim "role" eq failed)



=== TEST 2: the failure's challenge
--- rule
        auth_jwt_require_claim role eq admin;
--- request
GET /api
--- more_headers eval
bearer(role => 'user')
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="test", error="insufficient_scope"
--- response_body_unlike: ok



=== TEST 3: eq with json=: types count ("1" is not 1; 1 is 1.0)
--- rule
        auth_jwt_require_claim level eq json=1;
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(level => 1), bearer(level => 1.0), bearer(level => '1'), bearer(level => 2)]
--- error_code eval
[200, 200, 403, 403]



=== TEST 4: eq json=true for a boolean
--- rule
        auth_jwt_require_claim email_verified eq json=true;
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(email_verified => JSON::PP::true), bearer(email_verified => JSON::PP::false),
 bearer(email_verified => 'true')]
--- error_code eval
[200, 403, 403]



=== TEST 5: ne
--- rule
        auth_jwt_require_claim tenant ne blocked;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(tenant => 'acme'), bearer(tenant => 'blocked')]
--- error_code eval
[200, 403]



=== TEST 6: a rule on an absent claim fails, whatever the operator
--- rule
        auth_jwt_require_claim tenant ne blocked;
--- request
GET /api
--- more_headers eval
bearer()
--- error_code: 403



=== TEST 7: gt, ge, lt, le compare numbers
--- config
    location /gt { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim level gt 2; return 200 "ok\n"; }
    location /ge { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim level ge 2; return 200 "ok\n"; }
    location /lt { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim level lt 2.5; return 200 "ok\n"; }
    location /le { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim level le json=2; return 200 "ok\n"; }
--- request eval
["GET /gt", "GET /gt", "GET /ge", "GET /ge", "GET /lt", "GET /lt", "GET /le", "GET /le"]
--- more_headers eval
[bearer(level => 3), bearer(level => 2), bearer(level => 2), bearer(level => 1),
 bearer(level => 2), bearer(level => 3), bearer(level => 2), bearer(level => 2.5)]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 403]



=== TEST 8: ordering a string claim fails (no string ordering)
--- rule
        auth_jwt_require_claim level gt 2;
--- request
GET /api
--- more_headers eval
bearer(level => '3')
--- error_code: 403



=== TEST 9: in and nin with a JSON array
--- config
    location /in { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim tenant in json=["acme","globex"]; return 200 "ok\n"; }
    location /nin { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim tenant nin json=["blocked","banned"]; return 200 "ok\n"; }
--- request eval
["GET /in", "GET /in", "GET /nin", "GET /nin"]
--- more_headers eval
[bearer(tenant => 'globex'), bearer(tenant => 'initech'),
 bearer(tenant => 'acme'), bearer(tenant => 'banned')]
--- error_code eval
[200, 403, 200, 403]



=== TEST 10: in with an array claim fails (the claim must be one value)
--- rule
        auth_jwt_require_claim tenant in json=["acme"];
--- request
GET /api
--- more_headers eval
bearer(tenant => ['acme'])
--- error_code: 403



=== TEST 11: intersect on a nested array claim (a path)
--- rule
        auth_jwt_require_claim .realm_access.roles intersect json=["admin","editor"];
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(realm_access => {roles => ['user', 'editor']}),
 bearer(realm_access => {roles => ['user']}),
 bearer(realm_access => ['admin'])]
--- error_code eval
[200, 403, 403]



=== TEST 12: intersect with a plain string is a set of one
--- rule
        auth_jwt_require_claim roles intersect admin;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(roles => ['user', 'admin']), bearer(roles => ['user', 'administrator'])]
--- error_code eval
[200, 403]



=== TEST 13: an OAuth2 scope string is a space-separated set
--- rule
        auth_jwt_require_claim scope intersect json=["orders:write"];
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(scope => 'orders:read orders:write'), bearer(scope => 'orders:read'),
 bearer(scope => 'orders:writer')]
--- error_code eval
[200, 403, 403]



=== TEST 14: nintersect
--- rule
        auth_jwt_require_claim groups nintersect json=["suspended"];
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(groups => ['staff']), bearer(groups => ['staff', 'suspended'])]
--- error_code eval
[200, 403]



=== TEST 15: a value from a variable
--- config
    location ~ ^/tenant/(?<tenant>[a-z]+)$ {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim tenant eq $tenant;
        return 200 "ok\n";
    }
--- request eval
["GET /tenant/acme", "GET /tenant/globex"]
--- more_headers eval
[bearer(tenant => 'acme'), bearer(tenant => 'acme')]
--- error_code eval
[200, 403]



=== TEST 16: a variable holding JSON text is no set: the rule fails
--- http_config
    map $arg_need $needed { default '["a","b"]'; }
--- config
    location /api {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim perms intersect $needed;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(perms => ['b']), bearer(perms => ['["a","b"]'])]
--- error_code eval
[403, 403]
--- error_log
auth_jwt: the value "[\"a\",\"b\"]" of a rule on "perms" cannot be used with "intersect"



=== TEST 17: rules are ANDed; error= changes the answer
--- rule
        auth_jwt_require_claim role eq admin;
        auth_jwt_require_claim tenant eq acme error=401;
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(role => 'admin', tenant => 'acme'), bearer(role => 'user', tenant => 'acme'),
 bearer(role => 'admin', tenant => 'globex')]
--- error_code eval
[200, 403, 401]



=== TEST 18: a write route for admins only (limit_except)
--- config
    location /orders {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        limit_except GET {
            auth_jwt_require_claim roles intersect admin;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request eval
["GET /orders", "POST /orders\nx", "POST /orders\nx"]
--- more_headers eval
[bearer(roles => ['user']), bearer(roles => ['user']), bearer(roles => ['admin'])]
--- error_code eval
[200, 403, 200]



=== TEST 19: an unknown operator fails nginx -t
--- config
    auth_jwt_require_claim role equals admin;
--- must_die
--- error_log
unknown operator "equals"



=== TEST 20: bad json= text fails nginx -t
--- config
    auth_jwt_require_claim roles intersect json=["admin";
--- must_die
--- error_log
invalid JSON "["admin"": 



=== TEST 21: a set operator with a json= non-array fails nginx -t
--- config
    auth_jwt_require_claim roles in json="admin";
--- must_die
--- error_log
operator "in" needs a JSON array



=== TEST 22: an ordering operator with a non-number fails nginx -t
--- config
    auth_jwt_require_claim level gt high;
--- must_die
--- error_log
operator "gt" needs a number, not "high"



=== TEST 23: a bad error= code fails nginx -t
--- config
    auth_jwt_require_claim role eq admin error=499;
--- must_die
--- error_log
invalid error code in "error=499"



=== TEST 24: a bad member path fails nginx -t
--- config
    auth_jwt_require_claim .realm_access. eq x;
--- must_die
--- error_log
invalid member name ".realm_access."



=== TEST 25: nin with an array claim fails (the claim must be one value)
--- rule
        auth_jwt_require_claim roles nin json=["banned"];
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(roles => ['user', 'banned']), bearer(roles => 'user')]
--- error_code eval
[403, 200]



=== TEST 26: a plain number matches a number claim by its JSON text
--- rule
        auth_jwt_require_claim level eq 5;
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(level => 5), bearer(level => '5'), bearer(level => 6), bearer(level => [5])]
--- error_code eval
[200, 200, 403, 403]



=== TEST 27: a plain true matches a boolean claim; json="true" only a string
--- config
    location /plain { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                      auth_jwt_require_claim ok eq true; return 200 "ok\n"; }
    location /typed { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                      auth_jwt_require_claim ok eq json="true"; return 200 "ok\n"; }
--- request eval
["GET /plain", "GET /typed", "GET /typed"]
--- more_headers eval
[bearer(ok => JSON::PP::true), bearer(ok => JSON::PP::true), bearer(ok => 'true')]
--- error_code eval
[200, 403, 200]



=== TEST 28: integers above 2^53 compare as integers: eq, ne
--- config
    location /eq { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid eq json=9007199254740993; return 200 "ok\n"; }
    location /ne { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid ne json=9007199254740993; return 200 "ok\n"; }
--- request eval
["GET /eq", "GET /eq", "GET /eq", "GET /ne", "GET /ne", "GET /ne"]
--- more_headers eval
[bearer(uid => 9007199254740993), bearer(uid => 9007199254740992),
 bearer(uid => 9007199254740994),
 bearer(uid => 9007199254740993), bearer(uid => 9007199254740992),
 bearer(uid => 9007199254740994)]
--- error_code eval
[200, 403, 403, 403, 200, 200]



=== TEST 29: Snowflake-size ids: only the id itself is equal, json= or plain
--- config
    location /json { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                     auth_jwt_require_claim uid eq json=1234567890123456789; return 200 "ok\n"; }
    location /plain { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                      auth_jwt_require_claim uid eq 1234567890123456789; return 200 "ok\n"; }
    location ~ ^/var/(?<id>[0-9]+)$ {
        auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim uid eq $id; return 200 "ok\n";
    }
--- request eval
["GET /json", "GET /json", "GET /json", "GET /plain", "GET /plain",
 "GET /var/1234567890123456789", "GET /var/1234567890123456789"]
--- more_headers eval
[bearer(uid => 1234567890123456789), bearer(uid => 1234567890123456788),
 bearer(uid => 1234567890123456832),
 bearer(uid => 1234567890123456789), bearer(uid => 1234567890123456790),
 bearer(uid => 1234567890123456789), bearer(uid => 1234567890123456700)]
--- error_code eval
[200, 403, 403, 200, 403, 200, 403]



=== TEST 30: big integers in sets: in, nin, intersect, nintersect
--- config
    location /in { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid in json=[1,9007199254740993]; return 200 "ok\n"; }
    location /nin { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim uid nin json=[1,9007199254740993]; return 200 "ok\n"; }
    location /is { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim ids intersect json=[9007199254740993]; return 200 "ok\n"; }
    location /nis { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim ids nintersect json=[9007199254740993]; return 200 "ok\n"; }
--- request eval
["GET /in", "GET /in", "GET /nin", "GET /nin",
 "GET /is", "GET /is", "GET /nis", "GET /nis"]
--- more_headers eval
[bearer(uid => 9007199254740993), bearer(uid => 9007199254740992),
 bearer(uid => 9007199254740993), bearer(uid => 9007199254740992),
 bearer(ids => [5, 9007199254740993]), bearer(ids => [5, 9007199254740992]),
 bearer(ids => [5, 9007199254740993]), bearer(ids => [5, 9007199254740992])]
--- error_code eval
[200, 403, 403, 200, 200, 403, 403, 200]



=== TEST 31: big integers order exactly: gt, ge, lt, le
--- config
    location /gt { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid gt json=9007199254740992; return 200 "ok\n"; }
    location /ge { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid ge 9007199254740993; return 200 "ok\n"; }
    location /lt { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid lt json=9007199254740993; return 200 "ok\n"; }
    location /le { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid le 1234567890123456788; return 200 "ok\n"; }
--- request eval
["GET /gt", "GET /gt", "GET /ge", "GET /ge", "GET /lt", "GET /lt", "GET /le", "GET /le"]
--- more_headers eval
[bearer(uid => 9007199254740993), bearer(uid => 9007199254740992),
 bearer(uid => 9007199254740993), bearer(uid => 9007199254740992),
 bearer(uid => 9007199254740992), bearer(uid => 9007199254740993),
 bearer(uid => 1234567890123456788), bearer(uid => 1234567890123456789)]
--- error_code eval
[200, 403, 200, 403, 200, 403, 200, 403]



=== TEST 32: a real number at or above 2^53 never equals: every rule on it fails
--- config
    location /eq { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid eq json=9007199254740992.0; return 200 "ok\n"; }
    location /ne { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid ne json=9007199254740992; return 200 "ok\n"; }
    location /ge { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid ge json=9007199254740993; return 200 "ok\n"; }
    location /lt { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim uid lt json=1e300; return 200 "ok\n"; }
--- request eval
["GET /eq", "GET /eq", "GET /ne", "GET /ge", "GET /lt", "GET /lt"]
--- more_headers eval
my $p = sub { "Authorization: Bearer " . jwt_raw(payload =>
    sprintf('{"sub":"alice","exp":%d,"uid":%s}', time + 300, $_[0])) };
[bearer(uid => 9007199254740992), $p->('9007199254740992.5'),
 $p->('9007199254740993.0'), $p->('9.007199254740993e15'),
 $p->('9007199254740993.0'), $p->('2e300')]
--- error_code eval
[403, 403, 403, 403, 200, 403]



=== TEST 33: a variable's text is one value: "[...]" from the path is no set
--- config
    location ~ ^/t/(?<tenant>[^/]+)/$ {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim tenants intersect $tenant;
        return 200 "ok\n";
    }
--- request eval
["GET /t/acme/", "GET /t/%5B%22evil%22,%22acme%22%5D/", "GET /t/%5B%22acme%22%5D/"]
--- more_headers eval
[bearer(tenants => ['acme']), bearer(tenants => ['acme']), bearer(tenants => ['acme'])]
--- error_code eval
[200, 403, 403]



=== TEST 34: a client cannot empty a deny rule's variable set with "[]"
--- config
    location ~ ^/b/(?<banned>[^/]+)/$ {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim groups nintersect $banned;
        auth_jwt_require_claim group nin $banned;
        return 200 "ok\n";
    }
--- request eval
["GET /b/suspended/", "GET /b/%5B%5D/", "GET /b/other/"]
--- more_headers eval
[bearer(groups => ['suspended'], group => 'staff'),
 bearer(groups => ['suspended'], group => 'staff'),
 bearer(groups => ['suspended'], group => 'staff')]
--- error_code eval
[403, 403, 200]



=== TEST 35: json= takes literal JSON: json=$variable fails nginx -t
--- config
    auth_jwt_require_claim tenants intersect json=$tenants;
--- must_die
--- error_log
"json=$tenants": json= takes a literal JSON text, never a variable



=== TEST 36: a plain value for a set operator that looks like JSON fails nginx -t
--- config
    auth_jwt_require_claim roles nintersect ["banned"];
--- must_die
--- error_log
the value "["banned"]" of a set operator starts with "[": write json=["banned"] for a JSON array



=== TEST 37: deny rules fail closed on a nested array or an object claim
--- config
    location /nis { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim groups nintersect json=["banned"]; return 200 "ok\n"; }
    location /is { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim groups intersect json=["staff"]; return 200 "ok\n"; }
--- request eval
["GET /nis", "GET /nis", "GET /nis", "GET /nis", "GET /nis",
 "GET /is", "GET /is", "GET /is"]
--- more_headers eval
[bearer(groups => ['staff']), bearer(groups => [['banned']]),
 bearer(groups => ['staff', ['x']]), bearer(groups => {banned => 1}),
 bearer(groups => {}),
 bearer(groups => ['staff']), bearer(groups => ['staff', {x => 1}]),
 bearer(groups => {staff => 1})]
--- error_code eval
[200, 403, 403, 403, 403, 200, 403, 403]



=== TEST 38: scope words are split at single spaces only (RFC 6749 section 3.3)
--- config
    location /nis { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim scope nintersect json=["admin"]; return 200 "ok\n"; }
    location /is { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim scope intersect json=["read"]; return 200 "ok\n"; }
--- request eval
["GET /nis", "GET /nis", "GET /nis", "GET /nis", "GET /nis", "GET /nis",
 "GET /nis", "GET /nis", "GET /nis", "GET /nis", "GET /nis",
 "GET /is", "GET /is", "GET /is", "GET /is", "GET /is", "GET /is"]
--- more_headers eval
[bearer(scope => 'read write'), bearer(scope => 'read admin'),
 bearer(scope => "read\tadmin"), bearer(scope => "read\nadmin"),
 bearer(scope => "read\x{a0}admin"), bearer(scope => "read\radmin"),
 bearer(scope => "read  write"), bearer(scope => " read"),
 bearer(scope => "read "), bearer(scope => "read \"w\""),
 bearer(scope => ''),
 bearer(scope => 'write read'), bearer(scope => "read\twrite"),
 bearer(scope => "write read\x{e9}"), bearer(scope => "read\\x"),
 bearer(scope => "read admin\t"), bearer(scope => "read  write")]
--- error_code eval
[200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403]



=== TEST 39: ne and nin on a member of another shape fail closed
--- config
    location /ne { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim role ne json="admin"; return 200 "ok\n"; }
    location /neo { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim role ne 'json={"a":1}'; return 200 "ok\n"; }
    location /nin { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim role nin json=["admin"]; return 200 "ok\n"; }
--- request eval
["GET /ne", "GET /ne", "GET /ne", "GET /ne",
 "GET /neo", "GET /neo", "GET /neo", "GET /nin", "GET /nin"]
--- more_headers eval
[bearer(role => 'user'), bearer(role => ['admin']), bearer(role => {admin => 1}),
 bearer(role => []),
 bearer(role => {a => 2}), bearer(role => 'user'), bearer(role => ['a']),
 bearer(role => 'user'), bearer(role => {admin => 1})]
--- error_code eval
[200, 403, 403, 403, 200, 403, 403, 200, 403]



=== TEST 40: plain values in sets match like eq: nin 5 denies the number 5
--- config
    location /in { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                   auth_jwt_require_claim level in 5; return 200 "ok\n"; }
    location /nin { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim level nin 5; return 200 "ok\n"; }
    location /nis { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim levels nintersect 5; return 200 "ok\n"; }
    location /nit { auth_jwt "t"; auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
                    auth_jwt_require_claim flags nintersect true; return 200 "ok\n"; }
--- request eval
["GET /in", "GET /in", "GET /in", "GET /nin", "GET /nin", "GET /nin",
 "GET /nis", "GET /nis", "GET /nit", "GET /nit"]
--- more_headers eval
[bearer(level => 5), bearer(level => '5'), bearer(level => 6),
 bearer(level => 5), bearer(level => '5'), bearer(level => 6),
 bearer(levels => [1, 5.0]), bearer(levels => [1, 6]),
 bearer(flags => [JSON::PP::true]), bearer(flags => [JSON::PP::false])]
--- error_code eval
[200, 200, 403, 403, 403, 200, 403, 200, 403, 200]



=== TEST 41: an integer beyond int64 in json= fails nginx -t (never rounded)
--- config
    auth_jwt_require_claim uid eq json=9223372036854775808;
--- must_die
--- error_log
invalid JSON "9223372036854775808": too big integer



=== TEST 42: a set operator's json= array of structures fails nginx -t
--- config
    auth_jwt_require_claim groups nintersect json=[["banned"]];
--- must_die
--- error_log
operator "nintersect" needs a JSON array of strings, numbers, booleans or null, not "json=[["banned"]]"



=== TEST 43: a value from the client is logged escaped, one line
--- config
    location ~ ^/t/(?<tenant>[^/]+)/$ {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim tenants nintersect $tenant;
        return 200 "ok\n";
    }
--- request
GET /t/%5B%0Aforged%22/
--- more_headers eval
bearer(tenants => ['acme'])
--- error_code: 403
--- error_log
auth_jwt: the value "[\nforged\"" of a rule on "tenants" cannot be used with "nintersect"
--- no_error_log eval
qr/^forged.*of a rule/m



=== TEST 44: a variable's "[...]" text is refused, and the refusal logged
--- config
    location ~ ^/t/(?<tenant>[^/]+)/$ {
        auth_jwt          "t";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim tenants intersect $tenant;
        return 200 "ok\n";
    }
--- request
GET /t/%5B%22evil%22,%22acme%22%5D/
--- more_headers eval
bearer(tenants => ['acme'])
--- error_code: 403
--- error_log
auth_jwt: the value "[\"evil\",\"acme\"]" of a rule on "tenants" cannot be used with "intersect"
