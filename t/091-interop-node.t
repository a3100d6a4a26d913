# Interop: tokens minted by jsonwebtoken, jose and @nestjs/jwt (npm, pinned
# in t/interop/package-lock.json, installed under build/npm by `make
# interop-deps`) in the exact shapes of the systems of issue 14, through
# the gateway with the directives of today: NestJS HS256, Auth0 RS256
# (aud arrays with .../userinfo, permissions per method, scope strings, a
# JWKS with x5c/x5t), a node-jose issuer with kid "my-key-id" and
# {userId, username}, an Express issuer with PEM keys and service tokens
# without exp.  Signed at test time by t/interop/mint.mjs; skipped only
# when node, npm or the installed libraries are missing.  The cases that
# need the directives of issue 14: t/093-interop-new.t.

# t/lib after the Test::Nginx of PERL5LIB (the real one when given)
BEGIN {
    push @INC, 't/lib';
    require JWTGate::Interop;
    JWTGate::Interop::need('node');    # or skip; under CI: fail
}

use Test::Nginx::Socket 'no_plan';
use JWTGate::Token;

our %T;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();
$ENV{TEST_NGINX_INTEROP_DIR} = JWTGate::Interop::keys_dir();

{
    my $now = time;
    my $secret = $JWTGate::Interop::NESTJS_SECRET;
    my $kid = $JWTGate::Interop::AUTH0_KID;
    my %auth0 = (iss => 'https://tenant.auth0.test/',
                 sub => 'auth0|5f7c8ec7c33c6c004bbafe82',
                 aud => ['https://api.example.test/items',
                         'https://tenant.auth0.test/userinfo'],
                 azp => 'Xr9lV0yXb3r0bJ8b', scope => 'openid profile read:items',
                 permissions => ['read:items']);
    my %a0 = (lib => 'jsonwebtoken', alg => 'RS256', key => 'rsa2',
              header => {kid => $kid}, options => {expiresIn => '1h'});

    %T = %{ JWTGate::Interop::mint(
        # NestJS auth service: this.jwtService.sign({ user, sub: user.id })
        nest_num => {lib => 'nestjs', alg => 'HS256', secret => $secret,
                     payload => {user => {id => 42, username => 'ana'},
                                 sub => 42},
                     options => {expiresIn => '1h'}},
        nest_str => {lib => 'nestjs', alg => 'HS256', secret => $secret,
                     payload => {username => 'ana', sub => '42'},
                     options => {expiresIn => '1h'}},
        nest_bad => {lib => 'nestjs', alg => 'HS256',
                     secret => "$secret-rotated",
                     payload => {username => 'ana', sub => '42'},
                     options => {expiresIn => '1h'}},

        # Auth0
        a0_read  => {%a0, payload => {%auth0}},
        a0_write => {%a0, payload => {%auth0,
                     scope => 'openid profile read:items create:items',
                     permissions => ['read:items', 'create:items']}},
        a0_other => {%a0, payload => {%auth0,
                     aud => ['https://other.example.test/',
                             'https://tenant.auth0.test/userinfo']}},
        a0_at    => {%a0, header => {kid => $kid, typ => 'at+jwt'},
                     payload => {%auth0}},
        a0_all   => {%a0, payload => {%auth0,
                     permissions => ['read:items', 'update:items']}},
        a0_iss   => {%a0, payload => {%auth0,
                     iss => 'https://tenant.auth0.test'}},

        # node-jose style issuer: RS256 under kid my-key-id
        jose_user  => {lib => 'jose', alg => 'RS256', key => 'rsa1',
                       header => {kid => 'my-key-id'},
                       payload => {sub => 'u-9', userId => 'u-9',
                                   username => 'carol', iat => $now,
                                   exp => $now + 900}},
        jose_other => {lib => 'jose', alg => 'RS256', key => 'rsa2',
                       header => {kid => 'my-next-key-id'},
                       payload => {sub => 'u-9', userId => 'u-9',
                                   username => 'carol', iat => $now,
                                   exp => $now + 900}},
        nest_rs    => {lib => 'nestjs', alg => 'RS256', key => 'rsa1',
                       header => {kid => 'my-key-id'},
                       payload => {sub => 'u-10', userId => 'u-10',
                                   username => 'dave'},
                       options => {expiresIn => '15m'}},

        # Express issuer with a PEM key pair: users, and API-key services
        ex_user => {lib => 'jsonwebtoken', alg => 'RS256', key => 'rsa2',
                    payload => {sub => 'user-7', username => 'bob',
                                role => 'user'},
                    options => {expiresIn => '15m'}},
        ex_svc  => {lib => 'jsonwebtoken', alg => 'RS256', key => 'rsa2',
                    payload => {sub => 'svc:billing', type => 'service',
                                apiKeyId => 'k_123'}},
    ) };
}

run_tests();

__DATA__

=== TEST 1: NestJS HS256: a string sub passes with the oct key of the shared secret; the numeric sub of { user, sub: user.id } is refused by default
--- config
    location /greet {
        auth_jwt               "users";
        auth_jwt_key_file      $TEST_NGINX_INTEROP_DIR/nestjs-oct.json;
        auth_jwt_algorithms    HS256;
        auth_jwt_forward_claim X-User-Id sub;
        error_page 401 =200 /why;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "hello $http_x_user_id\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
[("GET /greet") x 3]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(nest_str nest_num nest_bad)]
--- response_body eval
["hello 42\n", "refused: bad_claim_type\n", "refused: bad_signature\n"]



=== TEST 2: Auth0 RS256: aud array with .../userinfo, the tenant issuer with its slash, a JWKS with x5c and x5t; scope and permissions per method
--- config
    location /api/items {
        auth_jwt               "items";
        auth_jwt_key_file      $TEST_NGINX_INTEROP_DIR/auth0.json;
        auth_jwt_issuer        https://tenant.auth0.test/;
        auth_jwt_audience      https://api.example.test/items;
        auth_jwt_algorithms    RS256;
        auth_jwt_require_claim scope intersect read:items;
        limit_except GET {
            auth_jwt_require_claim permissions intersect create:items;
        }
        auth_jwt_forward_claim X-User-Id sub;
        error_page 401 403 =200 /why;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "$request_method by $http_x_user_id\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api/items", "POST /api/items", "POST /api/items", "GET /api/items",
 "GET /api/items"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(a0_read a0_read a0_write a0_other a0_iss)]
--- response_body eval
["GET by auth0|5f7c8ec7c33c6c004bbafe82\n", "refused: insufficient_scope\n",
 "POST by auth0|5f7c8ec7c33c6c004bbafe82\n", "refused: bad_audience\n",
 "refused: bad_issuer\n"]



=== TEST 3: Auth0 access tokens typed at+jwt, checked with today's exact rule
--- config
    location /api/items {
        auth_jwt                "items";
        auth_jwt_key_file       $TEST_NGINX_INTEROP_DIR/auth0.json;
        auth_jwt_audience       https://api.example.test/items;
        auth_jwt_require_header typ eq at+jwt;
        error_page 403 =200 /why;
        return 200 "ok typ=$jwt_header_typ\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api/items", "GET /api/items"]
--- more_headers eval
["Authorization: Bearer $::T{a0_at}", "Authorization: Bearer $::T{a0_read}"]
--- response_body eval
["ok typ=at+jwt\n", "refused: insufficient_scope\n"]



=== TEST 4: a node-jose issuer (kid my-key-id): the services get X-User-Id and X-User-Name, never the client's
--- config
    location = /api/profile {
        auth_jwt               "svc";
        auth_jwt_key_file      $TEST_NGINX_INTEROP_DIR/my-key-id.json;
        auth_jwt_algorithms    RS256;
        auth_jwt_forward_claim X-User-Id   userId;
        auth_jwt_forward_claim X-User-Name username;
        auth_jwt_forward_token off;
        error_page 401 =200 /why;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "id=$http_x_user_id name=$http_x_user_name authz=[$http_authorization]\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
[("GET /api/profile") x 3]
--- more_headers eval
["Authorization: Bearer $::T{jose_user}\r\nX-User-Id: admin\r\nX-User-Name: root",
 "Authorization: Bearer $::T{nest_rs}",
 "Authorization: Bearer $::T{jose_other}\r\nX-User-Id: admin"]
--- response_body eval
["id=u-9 name=carol authz=[]\n", "id=u-10 name=dave authz=[]\n",
 "refused: unknown_kid\n"]



=== TEST 5: an Express issuer's PEM key as a JWKS: user tokens everywhere, service tokens without exp only where auth_jwt_require_exp is off
--- http_config
    auth_jwt_claim_set $api_key_id apiKeyId;
--- config
    location /api/ {
        auth_jwt          "app";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        error_page 401 =200 /why;
        return 200 "user $jwt_claim_sub\n";
    }
    location /internal/ {
        auth_jwt               "internal";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        auth_jwt_require_exp   off;
        auth_jwt_require_claim type eq service;
        error_page 401 403 =200 /why;
        return 200 "service $jwt_claim_sub key=$api_key_id\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api/orders", "GET /api/orders", "GET /internal/jobs", "GET /internal/jobs"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(ex_user ex_svc ex_svc ex_user)]
--- response_body eval
["user user-7\n", "refused: missing_exp\n", "service svc:billing key=k_123\n",
 "refused: insufficient_scope\n"]



=== TEST 6: Auth0 permissions per method through a map (conf-examples/auth0-rs256.conf)
--- http_config
    map $request_method $items_permission {
        GET     read:items;
        HEAD    read:items;
        POST    create:items;
        PUT     update:items;
        PATCH   update:items;
        DELETE  delete:items;
        default none;
    }
--- config
    location /api/items {
        auth_jwt               "items";
        auth_jwt_key_file      $TEST_NGINX_INTEROP_DIR/auth0.json;
        auth_jwt_audience      https://api.example.test/items;
        auth_jwt_require_claim permissions intersect $items_permission;
        error_page 403 =200 /why;
        return 200 "$request_method ok\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api/items", "PUT /api/items", "DELETE /api/items", "POST /api/items",
 "OPTIONS /api/items"]
--- more_headers eval
[("Authorization: Bearer $::T{a0_all}") x 5]
--- response_body eval
["GET ok\n", "PUT ok\n", "refused: insufficient_scope\n",
 "refused: insufficient_scope\n", "refused: insufficient_scope\n"]
