# Values the module hands to nginx: $jwt_claim_*, $jwt_header_*, the
# variables of auth_jwt_claim_set / auth_jwt_header_set, $jwt_payload,
# $jwt_claims and the headers of auth_jwt_forward_claim.  Each is safe in
# a header line (no control byte) and reads back as what the token said
# (an array element never reads as two), or it is not given at all, with a
# warning.  docs/DIRECTIVES.md, "Values".

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: a claim with CR LF in proxy_set_header injects no header line upstream
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_set_header  X-Name $jwt_claim_name;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "name=[$http_x_name] id=[$http_x_user_id]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {name => "Bob\r\nX-User-Id: admin"})
--- response_body
name=[] id=[]
--- error_log
auth_jwt: variable "$jwt_claim_name" not set: the value holds a control character (claim "name")



=== TEST 2: a claim with CR LF in add_header does not split the response
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        add_header X-Name $jwt_claim_name;
        return 200 "ok\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {name => "Bob\r\nX-User-Id: admin\r\n\r\n<script>"})
--- response_headers
!X-Name
--- raw_response_headers_unlike: X-User-Id
--- response_body
ok
--- error_log
variable "$jwt_claim_name" not set: the value holds a control character



=== TEST 3: control bytes in auth_jwt_claim_set, auth_jwt_header_set and $jwt_header_* values
--- http_config
    auth_jwt_claim_set  $user_name  info name;
    auth_jwt_claim_set  $user_info  .info;
    auth_jwt_header_set $hdr_note   note;
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "name=[$user_name] info=[$user_info] note=[$hdr_note] hnote=[$jwt_header_note] del=[$jwt_claim_del] tab=[$jwt_claim_tab] sub=$jwt_claim_sub\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {info => {name => "a\nb"},
                                          del => "x\x7fy", tab => "a\tb"},
                               header => {note => "c\r\nd"})
--- response_body
name=[] info=[] note=[] hnote=[] del=[] tab=[] sub=alice
--- error_log
variable "$user_name" not set: the value holds a control character (claim ".info.name")
variable "$user_info" not set: the value holds a control character (claim "info")
variable "$hdr_note" not set: the value holds a control character (header member "note")
variable "$jwt_header_note" not set: the value holds a control character (header member "note")
variable "$jwt_claim_del" not set: the value holds a control character (claim "del")
variable "$jwt_claim_tab" not set: the value holds a control character (claim "tab")



=== TEST 4: an array element holding ',' does not read as two in a map
--- http_config
    map $jwt_claim_roles $is_admin {
        "~(^|,)admin(,|$)"  1;
        default             0;
    }
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "admin=$is_admin roles=[$jwt_claim_roles]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {roles => ['user', 'team,admin']})
--- response_body
admin=0 roles=[]
--- error_log
auth_jwt: variable "$jwt_claim_roles" not set: an array element holds ',' (claim "roles")



=== TEST 5: an array element holding ',' is not forwarded
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id    sub;
        auth_jwt_forward_claim X-User-Roles realm_access roles;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[$http_x_user_id] roles=[$http_x_user_roles]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {realm_access => {roles => ['user', 'team,admin']}})
. "\r\nX-User-Roles: admin"
--- response_body
id=[alice] roles=[]
--- error_log
auth_jwt: "X-User-Roles" not forwarded: an array element holds ',' (claim ".realm_access.roles")



=== TEST 6: array elements that a list parser would read otherwise are refused
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-R1 r1;
        auth_jwt_forward_claim X-R2 r2;
        auth_jwt_forward_claim X-R3 r3;
        auth_jwt_forward_claim X-R4 r4;
        auth_jwt_forward_claim X-R5 r5;
        proxy_set_header  X-V1 $jwt_claim_r1;
        proxy_set_header  X-V2 $jwt_claim_r2;
        proxy_set_header  X-V3 $jwt_claim_r3;
        proxy_set_header  X-V4 $jwt_claim_r4;
        proxy_set_header  X-V5 $jwt_claim_r5;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "fwd=[$http_x_r1|$http_x_r2|$http_x_r3|$http_x_r4|$http_x_r5] var=[$http_x_v1|$http_x_v2|$http_x_v3|$http_x_v4|$http_x_v5]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {r1 => ['user', ' admin'],
                                          r2 => ['admin ', 'user'],
                                          r3 => [['admin'], 'user'],
                                          r4 => ['user', {admin => 1}],
                                          r5 => ['user', "admin\r\nX: 1"]})
--- response_body
fwd=[||||] var=[||||]
--- error_log
"X-R1" not forwarded: an array element begins or ends with a space (claim "r1")
"X-R2" not forwarded: an array element begins or ends with a space (claim "r2")
"X-R3" not forwarded: an array element is an array or an object (claim "r3")
"X-R4" not forwarded: an array element is an array or an object (claim "r4")
"X-R5" not forwarded: the value holds a control character (claim "r5")
variable "$jwt_claim_r1" not set: an array element begins or ends with a space (claim "r1")
variable "$jwt_claim_r2" not set: an array element begins or ends with a space (claim "r2")
variable "$jwt_claim_r3" not set: an array element is an array or an object (claim "r3")
variable "$jwt_claim_r4" not set: an array element is an array or an object (claim "r4")
variable "$jwt_claim_r5" not set: the value holds a control character (claim "r5")



=== TEST 7: a value that begins or ends with a space is refused (header parsers trim it)
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_set_header  X-Name $jwt_claim_name;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[$http_x_user_id] name=[$http_x_name]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {sub => ' admin', name => 'admin '})
--- response_body
id=[] name=[]
--- error_log
"X-User-Id" not forwarded: the value begins or ends with a space (claim "sub")
variable "$jwt_claim_name" not set: the value begins or ends with a space (claim "name")



=== TEST 8: what passes: UTF-8 as bytes, scalars as JSON text, lists, objects
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Name name;
        auth_jwt_forward_claim X-User-List list;
        auth_jwt_forward_claim X-User-Info info;
        proxy_set_header  X-Var-Big   $jwt_claim_big;
        proxy_set_header  X-Var-Full  $jwt_claim_full;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "name=[$http_x_user_name] list=[$http_x_user_list] info=[$http_x_user_info] big=[$http_x_var_big] full=[$http_x_var_full]\nneg=[$jwt_claim_neg] real=[$jwt_claim_real] yes=[$jwt_claim_yes] nil=[$jwt_claim_nil] empty=[$jwt_claim_empty] one=[$jwt_claim_one]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt_raw(payload => '{"sub":"alice","exp":' . (time + 300)
    . ',"name":"Zo\u00eb \u2603","big":9223372036854775807,"neg":-9223372036854775808,'
    . '"real":2.5,"yes":true,"nil":null,"empty":[],"one":["solo"],'
    . '"list":["a",1,true,null,"b c"],"info":{"a":"x,y","b":[1,[2]]},'
    . '"full":"Doe, John"}')
--- response_body eval
"name=[Zo\xc3\xab \xe2\x98\x83] list=[a,1,true,null,b c] info=[{\"a\":\"x,y\",\"b\":[1,[2]]}] big=[9223372036854775807] full=[Doe, John]\n"
. "neg=[-9223372036854775808] real=[2.5] yes=[true] nil=[null] empty=[] one=[solo]\n"
--- no_error_log
[warn]



=== TEST 9: $jwt_payload and $jwt_claims: the JSON text without its whitespace, CR LF gone
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_set_header  X-Payload $jwt_payload;
        add_header        X-Claims  $jwt_claims;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "[$http_x_payload]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt_raw(payload => "{\r\n  \"sub\" : \"bob\",\r\n\t\"name\": \"a \\\" b\\r\\n\",\r\n  \"exp\": "
    . (time + 300) . "\r\n}\r\n")
--- response_body_like: ^\[\{"sub":"bob","name":"a \\" b\\r\\n","exp":\d+\}\]\n$
--- response_headers_like
X-Claims: \{"sub":"bob","name":"a \\" b\\r\\n","exp":\d+\}
--- no_error_log
[warn]



=== TEST 10: $jwt_payload with a raw DEL in a string is not set
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "payload=[$jwt_payload] sub=[$jwt_claim_sub]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt_raw(payload => "{\"sub\":\"a\x7fb\",\"exp\":" . (time + 300) . "}")
--- response_body
payload=[] sub=[]
--- error_log
variable "$jwt_payload" not set: the value holds a control character
variable "$jwt_claim_sub" not set: the value holds a control character (claim "sub")



=== TEST 11: a list of plain elements passes, and the map finds its admin
--- http_config
    map $jwt_claim_roles $is_admin {
        "~(^|,)admin(,|$)"  1;
        default             0;
    }
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Roles roles;
        proxy_set_header  X-Admin $is_admin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "admin=$http_x_admin roles=[$http_x_user_roles]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {roles => ['user', 'admin', 'a b']})
--- response_body
admin=1 roles=[user,admin,a b]
--- no_error_log
[warn]
