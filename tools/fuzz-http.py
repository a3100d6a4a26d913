#!/usr/bin/python3
"""make fuzz-http: randomized hostile requests against nginx + the module.

nginx runs conf-examples/gateway.conf (ports moved to loopback ports of our
own, temporary paths of our own, an HTTP/2 prior-knowledge listener and
three extra locations: /api/vars/, that puts claim variables in a request
and a response header; /api/jwe/, auth_jwt_type nested, and /api/enc/,
auth_jwt_type encrypted, whose decryption keys are t/data/jwe-keys.json's
(all of them, or its secret oct keys), written mode 0600 into the run
directory).  An echo upstream in this process plays the issuer (it
serves t/data/jwks-rsa1.json at /.well-known/jwks.json and an empty
revocation list at /.well-known/revocations.json) and both services,
and records every request it receives: the request line and every header,
keyed by the id each fuzz request carries in its path (/api/users/fz123) or
query (/auth/login?fz=123).

Every case is one connection: one request, a pipeline of them (HTTP/1.1),
or concurrent streams (HTTP/2).  Tokens are minted with PyJWT from the test
keys in t/data (an implementation independent of ours); encrypted tokens
(JWE, RFC 7516 compact) by tools/fuzz_http_jwe.py, by hand from
python3-cryptography's primitives (AES-GCM, AES key wrap, RSA-OAEP,
ECDH-ES on P-256/384/521 and X25519 with RFC 7518's Concat KDF,
AES-CBC + HMAC).  About a fifth of the cases carry a JWE (JWE_KINDS): valid
nested and encrypted tokens of several alg/enc pairs, kid-less, cty
application/jwt, ECDH-ES with apu/apv; and hostile ones: the tag,
ciphertext, IV or encrypted key flipped, the header changed after
encryption, 4 or 6 parts, empty, cut or non-base64url parts, oversized
parts, RSA1_5, PBES2 with a huge p2c, zip, crit, unknown or non-string
alg/enc/kid, a header member twice, a bad apu, cty missing or wrong, an unknown
kid or one of another key type, another key under the same kid, ECDH-ES
epk off the curve, the identity, of another curve, oversized or missing,
X25519 low-order points, an encrypted token at the nested location and
the reverse, a JWE or bare claims inside, an inner token that is itself
invalid (expired, forged, alg none, ...), over 16 KB; a JWS sent to the JWE
locations and a JWE to the signed ones.  Invariants checked after every
case:

  crash       no worker died (no "exited on signal" or "exited with code",
              the set of worker PIDs unchanged) and no sanitizer report
              (AddressSanitizer, LeakSanitizer, UBSan "runtime error:")
  identity    a protected location (/api/*, /app/) reaches its upstream only
              for a request the gateway must let in: exactly one copy of
              the token in the request (an Authorization: Bearer header,
              access_token arguments, and at /app/ access_token cookies,
              counted as docs/DIRECTIVES.md "A token is taken once" says),
              in the place the location reads, valid (signed by rsa1,
              unexpired, iss and aud right; at /api/jwe/ a JWE the
              location decrypts, of cty JWT, around such a token; at
              /api/enc/ a JWE it decrypts with a secret key, whose claims
              are right: token_passes() works it out from the recipe and
              the location's keys, not from the kind's name; never a
              token over 16384 bytes) and allowed by the location's
              rule; the identity headers (X-User-*, and X-Fuzz-Name from
              $jwt_claim_name) are then exactly that token's claims as
              docs/DIRECTIVES.md "Values" renders them, or absent where a
              value is refused; unprotected proxied locations get none
  token       where auth_jwt_forward_token off applies, the upstream never
              sees the bytes of a token sent by a counted method in its
              Authorization, Cookie or request line
  response    every answer is a well-formed HTTP response (status line,
              header lines, Content-Length or chunks matching the body,
              no header nginx would not send: no response splitting)

A failing case is minimized (requests, headers, cookie pairs and arguments
dropped while it still fails) and written as a Test::Nginx block, printed
and saved under build/fuzz-http/.  A JWE in a block is a Perl expression
over t/lib/JWTGate/Jwe.pm (nested(inner => jwt(...), alg => ..., ...),
jwe_flip(), jwe_part(), a header edit) that makes a token of the same kind
under jwe_setup()'s keys, not the same bytes (encryption is randomized);
a kind Jwe.pm cannot make is a comment saying so, never a wrong
expression.  FUZZ_HTTP_JWE_KINDS=n checks those forms, and the oracle on
tokens that must pass, against the gateway.

Environment:
  NGINX_BIN            nginx to run (/usr/sbin/nginx); may be ASan-built
  MODULE               the module (build/ngx_http_auth_jwt_module.so)
  BUILD                build directory (build)
  FUZZ_HTTP_SEED       seed (default: random; always printed)
  FUZZ_HTTP_COUNT      number of cases (10000)
  FUZZ_HTTP_SECONDS    time bound of the fuzzing loop (150)
  FUZZ_HTTP_CASE       run only this case number of the seed (reproduce)
  FUZZ_HTTP_PORT       first of 6 consecutive loopback ports (default: free
                       ports chosen by the kernel)
  FUZZ_HTTP_KEEP=1     keep the run directory (logs, nginx.conf)
  FUZZ_HTTP_MINIMIZE=0 do not minimize failing cases
  FUZZ_HTTP_MAX_FAILURES  stop after this many failing cases (20)
  FUZZ_HTTP_JWE_KINDS=n   only write build/fuzz-http/jwe-kinds.t: n JWE
                       tokens of the kinds below in their Perl forms, and
                       n as this tool makes them, each expected to pass or
                       not as the oracle says

Loopback only; every process it starts (nginx) it stops by PID.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from urllib.parse import unquote

try:
    import jwt as pyjwt
    from cryptography.hazmat.primitives import serialization
except ImportError as e:                                # pragma: no cover
    sys.exit("fuzz-http: %s (Debian: python3-jwt python3-cryptography)" % e)

try:
    import fuzz_http_jwe as jwe                         # tools/, beside us
except ImportError as e:                                # pragma: no cover
    sys.exit("fuzz-http: %s (Debian: python3-cryptography)" % e)

try:
    import h2.config
    import h2.connection
    import h2.events
    import h2.exceptions
    HAVE_H2 = True
except ImportError:
    HAVE_H2 = False


TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
DATA = os.path.join(TOP, 't', 'data')
ISS = 'https://auth.jwtgate.test'
AUD = 'jwtgate-api'
MAX_FORWARD = 4096          # auth_jwt_forward_max_length's default
VERBOSE = os.environ.get('FUZZ_HTTP_VERBOSE') == '1'
TIMEOUT = float(os.environ.get('FUZZ_HTTP_TIMEOUT', '10'))

# In the Test::Nginx blocks: times that never change, so that a token
# minted twice is the same bytes (RS256 signatures are deterministic).
PERL_IAT, PERL_FUTURE, PERL_PAST = 1700000000, 4102444800, 1000000000


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------
# tokens: recipes, minted here with PyJWT, or written as Perl for a block
# ---------------------------------------------------------------------------

def _pem(name):
    with open(os.path.join(DATA, name), 'rb') as f:
        return f.read()


class Keys:
    def __init__(self):
        self.rsa1 = serialization.load_pem_private_key(_pem('rsa1.pem'), None)
        self.rsa2 = serialization.load_pem_private_key(_pem('rsa2.pem'), None)
        self.ec256 = serialization.load_pem_private_key(_pem('ec256.pem'),
                                                        None)
        self.rsa1_pub_pem = _pem('rsa1.pub.pem')
        with open(os.path.join(DATA, 'jwks-rsa1.json'), 'rb') as f:
            self.jwks = f.read()
        self.jwe = jwe.JweKeys(DATA)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


# Token kinds: which verify at the gateway (signed by rsa1 under kid rsa1 or
# none, iss, aud and times right) and which never may.
VALID_KINDS = ('valid', 'kidless', 'big')
TOKEN_KINDS = [  # (kind, weight)
    ('valid', 40), ('kidless', 4), ('big', 3), ('expired', 6), ('forged', 6),
    ('payload', 5), ('truncated', 5), ('none', 4), ('wrong_iss', 2),
    ('wrong_aud', 2), ('nbf', 2), ('unknown_kid', 3), ('wrong_key', 3),
    ('hs_confusion', 3), ('es256', 2), ('huge', 2), ('garbage', 4),
]

# JWE kinds (tools/fuzz_http_jwe.py mints them): at /api/jwe/ (auth_jwt_type
# nested) and /api/enc/ (encrypted) most tokens are JWEs of these kinds,
# elsewhere a few (a JWE at a signed location is refused).  Whether one
# must pass is not said by its kind: jwe_passes() works it out from the
# recipe (alg, enc, key, kid, header, ops, the inner token or the claims)
# and the location's keys.
JWE_KINDS = [  # (kind, weight)
    ('jwe_valid', 40), ('jwe_kidless', 4), ('jwe_cty', 2), ('jwe_inner', 12),
    ('jwe_tag', 5), ('jwe_ct', 3), ('jwe_iv', 2), ('jwe_ek', 3),
    ('jwe_aad', 3), ('jwe_shape', 6), ('jwe_big', 3), ('jwe_header', 9),
    ('jwe_kid', 3), ('jwe_other', 3), ('jwe_epk', 6), ('jwe_type', 4),
    ('jwe_huge', 1), ('jwe_kdf', 3),
]
JWE_AT_JWE = 0.86           # of the tokens at a JWE location, JWEs
JWE_ELSEWHERE = 0.04        # of the tokens at a signed location, JWEs
# (alg, enc, key): valid outer JWEs; encrypted ones only with secret keys
# (docs/DIRECTIVES.md: "encrypted authenticates nothing with a public key")
NESTED_COMBOS = [
    (('dir', 'A256GCM', 'oct32'), 10),
    (('A256KW', 'A128CBC-HS256', 'oct32'), 8),
    (('RSA-OAEP-256', 'A256GCM', 'rsa'), 8),
    (('ECDH-ES', 'A128GCM', 'p256'), 5),
    (('ECDH-ES+A128KW', 'A256GCM', 'p256'), 5),
    (('ECDH-ES', 'A256GCM', 'x25519'), 5),
    (('ECDH-ES+A128KW', 'A128CBC-HS256', 'x25519'), 4),
    (('RSA-OAEP', 'A128GCM', 'rsa'), 2),
    (('RSA-OAEP-512', 'A192CBC-HS384', 'rsa'), 1),
    (('ECDH-ES+A256KW', 'A256CBC-HS512', 'p384'), 2),
    (('ECDH-ES+A192KW', 'A192GCM', 'p521'), 1),
    (('A128GCMKW', 'A256GCM', 'oct16'), 3),
    (('A192KW', 'A192GCM', 'oct24'), 1),
    (('dir', 'A256CBC-HS512', 'oct64'), 2),
    (('dir', 'A192CBC-HS384', 'oct48'), 1), (('dir', 'A128GCM', 'oct16'), 1),
    (('A256GCMKW', 'A128CBC-HS256', 'oct32'), 2),
]
ENCRYPTED_COMBOS = [
    (('dir', 'A256GCM', 'oct32'), 10),
    (('A256KW', 'A128CBC-HS256', 'oct32'), 8),
    (('A128KW', 'A256GCM', 'oct16'), 4),
    (('A256GCMKW', 'A256CBC-HS512', 'oct32'), 3),
    (('dir', 'A128CBC-HS256', 'oct32'), 3), (('dir', 'A128GCM', 'oct16'), 2),
    (('A192GCMKW', 'A192GCM', 'oct24'), 1),
]
JWE_INNER_BAD = ['expired', 'forged', 'payload', 'truncated', 'none',
                 'wrong_iss', 'wrong_aud', 'nbf', 'unknown_kid', 'wrong_key',
                 'hs_confusion', 'es256', 'garbage']
MAX_TOKEN = 16384           # docs/DIRECTIVES.md, too_large
MAX_HEADER = 8192           # the same, a token's header segment
KEY_TRY_LIMIT = 4           # auth_jwt_key_try_limit's default


def time_value(v, now, perl):
    """('now', delta) in a recipe: a time relative to now."""
    if isinstance(v, (tuple, list)) and len(v) == 2 and v[0] == 'now':
        if not perl:
            return now + v[1]
        if v[1] > 60:
            return PERL_FUTURE
        if v[1] < -60:
            return PERL_PAST
        return PERL_IAT
    return v


def mint(keys, recipe, now):
    """The token of a recipe, minted with PyJWT (or by hand for HS256 with
    a PEM secret, which PyJWT refuses to do)."""
    kind = recipe['kind']
    if kind == 'garbage':
        return recipe['text']
    if 'jwe' in recipe:
        # the plaintext: the inner token, given bytes, or the claims
        if 'inner' in recipe:
            plain = mint(keys, recipe['inner'], now)
        elif recipe['jwe'].get('plain') is not None:
            plain = recipe['jwe']['plain']
        else:
            plain = json.dumps({k: time_value(v, now, False)
                                for k, v in recipe['claims'].items()},
                               separators=(',', ':'))
        return jwe.mint(keys.jwe, recipe['jwe'], plain)
    claims = {k: time_value(v, now, False)
              for k, v in recipe['claims'].items()}
    headers = {}
    if recipe.get('kid') is not None:
        headers['kid'] = recipe['kid']
    alg = recipe['alg']
    if alg == 'none':
        tok = pyjwt.encode(claims, None, algorithm='none', headers=headers)
    elif kind == 'hs_confusion':
        h = {'alg': 'HS256', 'typ': 'JWT'}
        h.update(headers)
        data = (b64u(json.dumps(h, separators=(',', ':')).encode()) + '.'
                + b64u(json.dumps(claims, separators=(',', ':')).encode()))
        sig = hmac.new(keys.rsa1_pub_pem, data.encode(), hashlib.sha256)
        tok = data + '.' + b64u(sig.digest())
    else:
        key = getattr(keys, recipe['key'])
        tok = pyjwt.encode(claims, key, algorithm=alg, headers=headers)
    if isinstance(tok, bytes):
        tok = tok.decode()
    post = recipe.get('post')
    if post == 'tamper_sig':
        h, p, s = tok.split('.')
        sig = bytearray(b64u_dec(s)) or bytearray(b'\0')
        sig[len(sig) // 2] ^= 1
        tok = h + '.' + p + '.' + b64u(bytes(sig))
    elif post == 'tamper_payload':
        h, p, s = tok.split('.')
        c = json.loads(b64u_dec(p))
        c.update(recipe['tamper'])
        tok = h + '.' + b64u(json.dumps(c, separators=(',', ':')).encode()) \
            + '.' + s
    elif post == 'truncate':
        tok = tok[:len(tok) - recipe['cut']]
    return tok


def perl_str(s, unicode=False):
    """A Perl double-quoted literal of s (text; \\x{..} for non-ASCII when
    unicode, else \\xNN of each byte of its latin-1 form)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '\\"$@':
            out.append('\\' + ch)
        elif ch == '\r':
            out.append('\\r')
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\t':
            out.append('\\t')
        elif 0x20 <= o < 0x7f:
            out.append(ch)
        elif unicode:
            out.append('\\x{%x}' % o)
        else:
            out.append('\\x%02x' % o)
    out.append('"')
    return ''.join(out)


def perl_value(v):
    if isinstance(v, bool):
        return 'JSON::PP::true' if v else 'JSON::PP::false'
    if v is None:
        return 'JSON::PP::null'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if len(v) > 64 and len(set(v)) == 1:
            return '%s x %d' % (perl_str(v[0], True), len(v))
        return perl_str(v, True)
    if isinstance(v, list):
        return '[' + ', '.join(perl_value(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ', '.join('%s => %s' % (perl_str(k, True),
                                             perl_value(x))
                               for k, x in v.items()) + '}'
    raise ValueError(v)


def perl_claims(claims):
    """A claims hash for Token.pm's jwt() or Jwe.pm's jwe()."""
    claims = {k: time_value(v, 0, True) for k, v in claims.items()}
    # both merge over {sub, iss, aud, iat, exp}: say every one of them
    for k in ('sub', 'iss', 'aud', 'iat', 'exp'):
        claims.setdefault(k, None)
    return '{' + ', '.join('%s => %s' % (perl_str(k), 'undef' if v is None
                                         else perl_value(v))
                           for k, v in claims.items()) + '}'


def perl_token(recipe):
    """The same token as a Perl expression over t/lib/JWTGate/Token.pm
    (and Jwe.pm for a JWE: a token of the same kind, not the same bytes),
    or None for a JWE Jwe.pm cannot make."""
    kind = recipe['kind']
    if kind == 'garbage':
        return perl_str(recipe['text'])
    if 'jwe' in recipe:
        inner = perl_token(recipe['inner']) if 'inner' in recipe else None
        if 'inner' in recipe and inner is None:
            return None
        claims = recipe.get('claims') or {}
        if all(ord(ch) < 0x80 for ch in json.dumps(claims,
                                                   ensure_ascii=False)):
            arg = 'claims => %s' % perl_claims(claims)
        else:
            # jwe() would write the claims' characters as Latin-1 bytes:
            # the UTF-8 JSON text instead, as fuzz-http sent it
            arg = 'plain => JSON::PP->new->utf8->canonical->encode({%s})' % (
                ', '.join('%s => %s' % (perl_str(k), perl_value(
                    time_value(v, 0, True))) for k, v in claims.items()))
        return jwe.perl_jwe(recipe['jwe'], inner, arg, perl_str, perl_value)
    cl = perl_claims(recipe['claims'])
    kid = 'undef' if recipe.get('kid') is None else perl_str(recipe['kid'])
    if kind == 'hs_confusion':
        e = ("hmac_jwt_with_secret('HS256', do { open my $f, '<', "
             "key_path('rsa1', 'pub') or die; local $/; <$f> }, "
             "kid => %s, claims => %s)" % (kid, cl))
    elif recipe['alg'] == 'none':
        e = "jwt(alg => 'none', kid => %s, claims => %s)" % (kid, cl)
    else:
        e = "jwt(alg => '%s', key => '%s', kid => %s, claims => %s)" % (
            recipe['alg'], recipe['key'], kid, cl)
    post = recipe.get('post')
    if post == 'tamper_sig':
        e = 'tamper_sig(%s)' % e
    elif post == 'tamper_payload':
        e = 'tamper_payload(%s, %s)' % (e, perl_value(recipe['tamper']))
    elif post == 'truncate':
        e = 'do { my $t = %s; substr($t, 0, length($t) - %d) }' % (
            e, recipe['cut'])
    return e


# ---------------------------------------------------------------------------
# claim values as the gateway must render them (docs/DIRECTIVES.md,
# "Values: claims as header text"): None when the value is refused
# ---------------------------------------------------------------------------

def _ctl(s):
    return any(ord(c) < 0x20 or ord(c) == 0x7f for c in s)


def render(v):
    if v is None:
        return None
    if isinstance(v, bool):
        r = 'true' if v else 'false'
    elif isinstance(v, int):
        r = str(v)
    elif isinstance(v, str):
        if _ctl(v) or v != v.strip(' '):
            return None
        r = v
    elif isinstance(v, list):
        parts = []
        for x in v:
            if isinstance(x, (list, dict)):
                return None
            if isinstance(x, str) and (',' in x or _ctl(x)
                                       or x != x.strip(' ')):
                return None
            parts.append(render(x) if not isinstance(x, str) else x)
        r = ','.join(parts)
    else:
        return None
    b = r.encode('utf-8')
    if len(b) > MAX_FORWARD:
        return None
    return b


# ---------------------------------------------------------------------------
# the request model: every text is a list of segments, a segment being a
# str or ('tok', n), so that a case renders to bytes and to Perl alike
# ---------------------------------------------------------------------------

LOCATIONS = {
    # name: (path, protected, where the token is read, proxied)
    'users':  ('/api/users/', True, 'auth', True),
    'orders': ('/api/orders/', True, 'auth', True),
    'app':    ('/app/', True, 'cookie', True),
    'vars':   ('/api/vars/', True, 'auth', True),
    'login':  ('/auth/login', False, None, True),
    'token':  ('/auth/token', False, None, True),
    'healthz': ('/healthz', False, None, False),
    'logout': ('/auth/logout', False, None, True),
    'jwks':   ('/_jwks', False, None, False),
    'other':  ('/other/', True, 'auth', False),
    'jwe':    ('/api/jwe/', True, 'auth', True),
    'enc':    ('/api/enc/', True, 'auth', True),
}
LOCATION_WEIGHTS = [('users', 28), ('orders', 16), ('app', 30), ('vars', 8),
                    ('login', 4), ('token', 3), ('healthz', 3), ('logout', 2),
                    ('jwks', 2), ('other', 4), ('jwe', 13), ('enc', 5)]
IDENTITY = {'x-user-id': 'sub', 'x-user-roles': 'roles',
            'x-user-scope': 'scope'}


LOC_TYPE = {'jwe': 'nested', 'enc': 'encrypted'}


def loc_jwe_keys(loc):
    """The names of the decryption keys of a JWE location (the run
    directory's jwe-dec.json, jwe-oct.json: t/data/jwe-keys.json)."""
    if loc == 'jwe':
        return ('rsa', 'p256', 'p384', 'p521', 'x25519', 'oct16', 'oct24',
                'oct32', 'oct48', 'oct64')
    if loc == 'enc':
        return ('oct16', 'oct24', 'oct32', 'oct48', 'oct64')
    return ()


def _rel(v):
    """('now', d) of a recipe: d; None for anything else."""
    if isinstance(v, (list, tuple)) and len(v) == 2 and v[0] == 'now':
        return v[1]
    return None


def claims_valid(c):
    """The claims of an encrypted token pass gateway.conf's checks:
    iss, aud, exp (required), nbf, iat (leeway 30 s)."""
    exp = _rel(c.get('exp'))
    iat = _rel(c['iat']) if 'iat' in c else 0
    nbf = _rel(c['nbf']) if 'nbf' in c else 0
    return (c.get('iss') == ISS and c.get('aud') == AUD
            and exp is not None and exp > 0 and iat is not None
            and iat <= 0 and nbf is not None and nbf <= 0)


def jwe_outer_ok(j, loc):
    """Whether the location decrypts the JWE of recipe j (RFC 7516 and
    docs/DIRECTIVES.md auth_jwt_type: algorithms, keys, kid, header)."""
    alg, enc, key = j['alg'], j['enc'], j['key']
    if alg not in jwe.ALGS or enc not in jwe.ENC_LEN:
        return False
    if j.get('other') or j.get('ops') or j.get('zip') or j.get('dup') or \
            j.get('plain') is not None:
        return False
    hdr = j.get('header') or {}
    if 'crit' in hdr or 'zip' in hdr:
        return False
    keys = loc_jwe_keys(loc)
    if key not in keys or not jwe.key_fits(key, alg, enc):
        return False
    kid = j.get('kid', '=')
    if kid not in ('=', key, None):
        return False
    if kid is None and not alg.startswith('ECDH-ES'):
        if sum(1 for k in keys if jwe.key_fits(k, alg, enc)) > KEY_TRY_LIMIT:
            return False
    cty = hdr.get('cty', 'JWT' if j['type'] == 'nested' else None)
    is_jwt = isinstance(cty, str) and cty.lower() in ('jwt',
                                                      'application/jwt')
    # (the gateway reads cty as a media type: "application/" dropped,
    # letter case ignored)
    return is_jwt if j['type'] == 'nested' else not is_jwt


def token_passes(rec, loc):
    """Whether a token recipe passes the token checks of a location of
    ours (a signed one: an RS256 token of rsa1, iss, aud, times right;
    a JWE one: the JWE decrypts, and what it holds passes)."""
    ltype = LOC_TYPE.get(loc, 'signed')
    j = rec.get('jwe')
    if j is None:
        return ltype == 'signed' and rec['kind'] in VALID_KINDS
    if j['type'] != ltype or not jwe_outer_ok(j, loc):
        return False
    if ltype == 'nested':
        inner = rec.get('inner')
        return inner is not None and token_passes(inner, 'users')
    return 'inner' not in rec and claims_valid(rec.get('claims') or {})


def token_claims(rec):
    """The claims the identity headers come from."""
    if 'inner' in rec:
        return token_claims(rec['inner'])
    return rec.get('claims') or {}


def token_name(rec):
    """A token recipe's kind, for messages: jwe_inner(expired)."""
    if 'jwe' in rec:
        v = rec['jwe'].get('variant')
        inner = rec.get('inner')
        return '%s%s%s' % (rec['kind'], '/' + v if v else '',
                           '(%s)' % token_name(inner) if inner else '')
    return rec['kind']


def wchoice(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def seg_text(segs, toks):
    return ''.join(s if isinstance(s, str) else toks[s[1]] for s in segs)


def pieces_text(pieces, toks):
    return ''.join(sep + seg_text(segs, toks) for sep, segs in pieces)


class Gen:
    """One case from one seeded random generator."""

    def __init__(self, rng, h2_ok):
        self.rng = rng
        self.h2_ok = h2_ok
        self.tokens = []

    # -- tokens --

    def claims(self, n, hostile):
        r = self.rng
        c = {'jti': 'fz-%d-%08x' % (n, r.getrandbits(32)), 'iss': ISS,
             'aud': AUD, 'iat': ('now', 0), 'exp': ('now', 3600)}
        who = wchoice(r, [('alice', 40), ('bob', 25), ('svc', 10),
                          ('zoe', 5), ('crlf', 4 if hostile else 0),
                          ('space', 3 if hostile else 0),
                          ('long', 2), ('none', 3)])
        sub = {'alice': 'alice.%d' % n, 'bob': 'bob.%d' % n,
               'svc': 'svc:billing.%d' % n, 'zoe': 'zo\u00eb.%d' % n,
               'crlf': 'bob.%d\r\nX-User-Id: admin' % n,
               'space': ' admin.%d' % n, 'long': 'u' * 4200 + str(n),
               'none': None}[who]
        if sub is not None:
            c['sub'] = sub
        roles = wchoice(r, [(['user'], 30), (['admin', 'user'], 20),
                            ([], 8), ('admin', 3), (None, 8),
                            (['user', 'team,admin'], 5 if hostile else 0),
                            ([' admin'], 2 if hostile else 0),
                            (['ops', 'admin\r\nX-User-Id: root'],
                             2 if hostile else 0)])
        if roles is not None:
            c['roles'] = list(roles) if isinstance(roles, list) else roles
        scope = wchoice(r, [(None, 5), ('orders:read', 3),
                            ('orders:read orders:write', 2)])
        if scope is not None:
            c['scope'] = scope
        name = wchoice(r, [(None, 4), ('Bob', 4), ('Zo\u00eb', 1),
                           ('Bob\r\nX-User-Id: admin', 2 if hostile else 0),
                           ('Bob\nX-User-Roles: admin',
                            1 if hostile else 0)])
        if name is not None:
            c['name'] = name
        return c

    def token(self, kind=None, loc=None):
        """A new token recipe (for a request to loc); returns its
        number."""
        r = self.rng
        n = len(self.tokens)
        if kind is None:
            ltype = LOC_TYPE.get(loc)
            if r.random() < (JWE_AT_JWE if ltype else JWE_ELSEWHERE):
                kind = wchoice(r, JWE_KINDS)
            else:
                kind = wchoice(r, TOKEN_KINDS)
        if kind.startswith('jwe_'):
            rec = self.jwe_recipe(kind, n, LOC_TYPE.get(loc))
        else:
            rec = self.jws_recipe(kind, n)
        self.tokens.append(rec)
        return n

    def jws_recipe(self, kind, n):
        r = self.rng
        rec = {'kind': kind, 'alg': 'RS256', 'key': 'rsa1', 'kid': 'rsa1',
               'claims': self.claims(n, kind in VALID_KINDS)}
        c = rec['claims']
        if kind == 'kidless':
            rec['kid'] = None
        elif kind == 'big':
            c['pad'] = 'x' * r.randint(1500, 4500)
        elif kind == 'huge':
            c['pad'] = 'x' * r.randint(9000, 20000)
        elif kind == 'expired':
            c['exp'] = ('now', -r.choice([3600, 86400]))
            c['iat'] = ('now', -90000)
        elif kind == 'forged':
            rec['post'] = 'tamper_sig'
        elif kind == 'payload':
            rec['post'] = 'tamper_payload'
            rec['tamper'] = {'sub': 'mallory.%d' % n, 'roles': ['admin']}
        elif kind == 'truncated':
            rec['post'] = 'truncate'
            rec['cut'] = r.choice([1, 2, 5, 30, 200])
        elif kind == 'none':
            rec['alg'] = 'none'
            rec['key'] = None
            rec['kid'] = r.choice([None, 'rsa1'])
        elif kind == 'wrong_iss':
            c['iss'] = 'https://evil.test'
        elif kind == 'wrong_aud':
            c['aud'] = 'other-api'
        elif kind == 'nbf':
            c['nbf'] = ('now', 3600)
        elif kind == 'unknown_kid':
            rec['key'] = 'rsa2'
            rec['kid'] = 'rsa2'
        elif kind == 'wrong_key':
            rec['key'] = 'rsa2'
        elif kind == 'hs_confusion':
            rec['alg'] = 'HS256'
            rec['key'] = None
        elif kind == 'es256':
            rec['alg'] = 'ES256'
            rec['key'] = 'ec256'
            rec['kid'] = 'ec256'
        elif kind == 'garbage':
            rec['text'] = r.choice([
                'eyJhbGciOiJSUzI1NiJ9', 'eyJ.eyJ.', 'a.b.c', '...',
                'eyJhbGciOiJub25lIn0.e30.', 'x' * r.randint(1, 64),
                'eyJhbGciOiJSUzI1NiJ9.' + 'A' * r.randint(1, 3000) + '.AA',
                '%65yJ', 'eyJ%00.e30.e30', 'Bearer'])
        return rec

    def jwe_recipe(self, kind, n, ltype):
        """A JWE token recipe of a kind (tools/fuzz_http_jwe.py says what
        its members mean); ltype: the location's type, or None."""
        r = self.rng
        typ = ltype or r.choice(['nested', 'encrypted'])
        combos = NESTED_COMBOS if typ == 'nested' else ENCRYPTED_COMBOS

        def combo(pred=None):
            cs = [(c, w) for c, w in combos if pred is None or pred(c)] or \
                [(c, w) for c, w in NESTED_COMBOS if pred(c)]
            return wchoice(r, cs)
        alg, enc, key = combo()
        j = {'type': typ, 'alg': alg, 'enc': enc, 'key': key}
        rec = {'kind': kind, 'jwe': j}
        inner_kind = wchoice(r, [('valid', 90), ('kidless', 7), ('big', 3)])
        claims_hostile = True
        ops = []

        def hdr(*edits):
            ops.append(['hdr', [list(e) for e in edits]])
        if kind == 'jwe_kidless':
            j['kid'] = None
        elif kind == 'jwe_cty':
            j['header'] = {'cty': r.choice(['application/jwt',
                                            'Application/JWT', 'jwt',
                                            'APPLICATION/JWT'])}
        elif kind == 'jwe_inner':
            inner_kind = r.choice(JWE_INNER_BAD)
            claims_hostile = False
            j['variant'] = inner_kind
        elif kind == 'jwe_tag':
            ops.append(['flip', 4])
        elif kind == 'jwe_ct':
            ops.append(['flip', 3])
        elif kind == 'jwe_iv':
            ops.append(['flip', 2])
        elif kind == 'jwe_ek':
            j['alg'], j['enc'], j['key'] = combo(
                lambda c: c[0] not in ('dir', 'ECDH-ES'))
            ops.append(['flip', 1])
        elif kind == 'jwe_aad':
            hdr(r.choice([('set', ['typ'], 'JWT'), ('set', ['x'], 1),
                          ('set', ['enc'], enc), ('set', ['kid'], key)]))
            # the same value again is no change: then a member more
            if ops[-1][1][0][1][0] in ('enc', 'kid'):
                ops[-1][1].append(['set', ['jti'], 'x'])
        elif kind == 'jwe_shape':
            v = r.choice(['4parts', '4parts_ek', '6parts', '6parts_empty',
                          'empty_hdr', 'empty_ek', 'empty_iv', 'empty_ct',
                          'empty_tag', 'cut', 'not_b64', 'all_empty',
                          'iv_zero'])
            j['variant'] = v
            if v == 'empty_ek':
                j['alg'], j['enc'], j['key'] = combo(
                    lambda c: c[0] not in ('dir', 'ECDH-ES'))
            ops.extend({
                '4parts': [['drop', 4]], '4parts_ek': [['drop', 1]],
                '6parts': [['add', 'AAAA']], '6parts_empty': [['add', '']],
                'empty_hdr': [['raw', 0, '']], 'empty_ek': [['raw', 1, '']],
                'empty_iv': [['raw', 2, '']], 'empty_ct': [['raw', 3, '']],
                'empty_tag': [['raw', 4, '']],
                'cut': [['cut', r.choice([1, 2, 3, 7, 22])]],
                'not_b64': [['raw', r.choice([0, 2, 3, 4]),
                             r.choice(['A+/=', 'AA==', '!!', 'A%41'])]],
                'all_empty': [['raw', i, ''] for i in range(5)],
                'iv_zero': [['raw', 2, 'AAAAAAAAAAAAAAAA']],
            }[v])
        elif kind == 'jwe_big':
            part = r.choice([1, 2, 4])
            size = r.choice([17, 64, 300, 1024, 4096, 9000])
            j['variant'] = '%s_%d' % (('ek', 'iv', 'tag')[
                (1, 2, 4).index(part)], size)
            ops.append(['bytes', part, size])
        elif kind == 'jwe_header':
            v = r.choice(['rsa1_5', 'pbes2', 'zip', 'zip_hdr', 'crit',
                          'crit_empty', 'enc_unknown', 'alg_unknown',
                          'cty', 'alg_type', 'enc_type', 'kid_type',
                          'dup', 'dup'])
            j['variant'] = v
            if v == 'rsa1_5':
                j['alg'], j['key'] = 'RSA1_5', 'rsa'
                j['enc'] = r.choice(['A128CBC-HS256', 'A256GCM'])
            elif v == 'pbes2':
                j['alg'], j['enc'], j['key'] = 'A128KW', 'A128GCM', 'oct16'
                hdr(('set', ['alg'], r.choice(['PBES2-HS256+A128KW',
                                               'PBES2-HS512+A256KW'])),
                    ('set', ['p2s'], 'c2FsdHNhbHRzYWx0c2FsdA'),
                    ('set', ['p2c'], r.choice([2147483647, 4294967296,
                                               10 ** 15, 1000000])))
            elif v == 'zip':
                j['alg'], j['enc'], j['key'] = combo(
                    lambda c: not c[0].startswith(('ECDH', 'RSA-OAEP-384',
                                                   'RSA-OAEP-512')))
                j['zip'] = True
            elif v == 'zip_hdr':
                j['header'] = {'zip': r.choice(['DEF', 'GZIP', ''])}
            elif v == 'crit':
                j['header'] = r.choice([{'crit': ['exp'], 'exp': 1},
                                        {'crit': ['b64'], 'b64': False},
                                        {'crit': ['urn:x']}])
            elif v == 'crit_empty':
                j['header'] = {'crit': r.choice([[], 'exp', [1]])}
            elif v == 'enc_unknown':
                hdr(('set', ['enc'], r.choice([
                    'A128CBC', 'XC20P', 'A256GCM ', 'a256gcm', 'A512GCM',
                    '', 'A128CBC-HS512'])))
            elif v == 'alg_unknown':
                hdr(('set', ['alg'], r.choice([
                    'RSA-OAEP-1024', 'A512KW', 'dir ', 'DIR', 'none',
                    'ECDH-ES+A512KW', 'RS256', 'HS256', ''])))
            elif v == 'cty':
                # nested without cty JWT; encrypted with it
                j['header'] = {'cty': None if typ == 'nested' else 'JWT'} \
                    if r.random() < 0.6 else \
                    {'cty': r.choice(['JWTX', 'json', 'application/json'])
                     if typ == 'nested' else 'jwt'}
            elif v == 'dup':
                # a member twice, one copy wrong: refused (malformed)
                # whichever copy a reader would take
                # (members the header has: an encrypted token has no cty,
                # and one cty "json" is no duplicate and may pass)
                name = r.choice(['alg', 'enc', 'kid'] +
                                (['cty'] if typ == 'nested' else []))
                wrong = {'alg': 'RSA1_5', 'enc': 'A128GCM' if enc !=
                         'A128GCM' else 'A256GCM', 'kid': 'nope',
                         'cty': 'json'}[name]
                j['dup'] = [name, wrong, r.random() < 0.5]
                j['variant'] = 'dup_' + name
            elif v in ('alg_type', 'enc_type', 'kid_type'):
                hdr(('set', [v[:3]], r.choice([1, None, ['dir'], {},
                                               True])))
        elif kind == 'jwe_kid':
            v = r.choice(['nope', 'other_type', 'empty', 'long'])
            j['variant'] = v
            j['kid'] = {'nope': 'nope', 'empty': '',
                        'long': 'k' * r.choice([300, 9000]),
                        'other_type': 'rsa' if key != 'rsa' else 'oct32'}[v]
        elif kind == 'jwe_other':
            j['other'] = True
        elif kind == 'jwe_epk':
            j['alg'], j['enc'], j['key'] = combo(
                lambda c: c[0].startswith('ECDH'))
            x = j['key'] == 'x25519'
            size = {'p256': 32, 'p384': 48, 'p521': 66}.get(j['key'], 32)
            v = r.choice(['off_curve', 'identity', 'other_curve', 'x_big',
                          'missing', 'string', 'kty', 'no_crv',
                          'no_coord'] + (['low_order'] if x else []))
            j['variant'] = v
            zero = jwe.b64u(b'\0' * size)
            if v == 'off_curve':
                hdr(('flip', ['epk', 'x' if x else 'y']))
            elif v == 'identity':
                hdr(('set', ['epk', 'x'], zero),
                    *([] if x else [('set', ['epk', 'y'], zero)]))
            elif v == 'low_order':
                hdr(('set', ['epk', 'x'], jwe.b64u(b'\x01' + b'\0' * 31)))
            elif v == 'other_curve':
                hdr(('set', ['epk'], self.other_curve(j['key'])))
            elif v == 'x_big':
                hdr(r.choice([('pre0', ['epk', 'x']),
                              ('set', ['epk', 'x'],
                               jwe.b64u(b'\x01' * r.choice([64, 200])))]))
            elif v == 'missing':
                hdr(('del', ['epk']))
            elif v == 'string':
                hdr(('set', ['epk'], r.choice(['x', '{}', 1])))
            elif v == 'kty':
                hdr(('set', ['epk', 'kty'], 'EC' if x else
                     r.choice(['RSA', 'OKP', 'oct'])))
            elif v == 'no_crv':
                hdr(('del', ['epk', 'crv']))
            else:
                hdr(('del', ['epk', 'x' if x else 'y']))
        elif kind == 'jwe_type':
            v = r.choice(['other_type', 'jwe_inside', 'jws_plain'])
            j['variant'] = v
            if v == 'other_type':
                # an encrypted token at a nested location, or the reverse
                j['type'] = 'encrypted' if typ == 'nested' else 'nested'
                j['alg'], j['enc'], j['key'] = combo(
                    lambda c: c[2].startswith('oct'))
            elif v == 'jwe_inside':
                j['type'] = 'nested'
                rec['inner'] = self.jwe_recipe('jwe_valid', n, 'nested')
            else:
                j['type'] = 'encrypted'
                rec['inner'] = self.jws_recipe('valid', n)
        elif kind == 'jwe_huge':
            inner_kind = 'huge'
            claims_hostile = False
        elif kind == 'jwe_kdf':
            # ECDH-ES with PartyUInfo / PartyVInfo (RFC 7518 4.6.1.2-3)
            j['alg'], j['enc'], j['key'] = combo(
                lambda c: c[0].startswith('ECDH'))
            v = r.choice(['apu', 'apu', 'apv', 'apu_bad', 'apu_big'])
            j['variant'] = v
            j['header'] = {'apu': jwe.b64u(r.choice([b'Alice', b'',
                                                     b'\xff' * 40]))}
            if v == 'apv':
                j['header']['apv'] = jwe.b64u(b'Bob')
            elif v == 'apu_bad':
                hdr(('set', ['apu'], r.choice(['!!', 'QQ=', 'A'])))
            elif v == 'apu_big':
                j['header']['apu'] = jwe.b64u(b'\x41' * r.choice([2000,
                                                                 7000]))
        if ops:
            j['ops'] = ops
        if j['type'] == 'nested' and 'inner' not in rec:
            rec['inner'] = self.jws_recipe(inner_kind, n)
        elif j['type'] == 'encrypted' and 'inner' not in rec:
            c = self.claims(n, claims_hostile)
            rec['claims'] = c
            if inner_kind in ('expired', 'wrong_iss', 'wrong_aud', 'nbf',
                              'huge', 'big'):
                c.update(self.jws_recipe(inner_kind, n)['claims'])
                if inner_kind != 'huge':
                    c.pop('pad', None)
            elif inner_kind not in ('valid', 'kidless'):
                j['variant'] = 'plain'
                j['plain'] = r.choice([
                    'not json', '[]', '{"iss":1}', '',
                    '{"iss":"%s","iss":"%s","aud":"%s","exp":4102444800}'
                    % (ISS, ISS, AUD), '{"iss":"%s","aud":"%s"}' % (ISS, AUD),
                    '\u00ff\u00fe{}', 'eyJhbGciOiJub25lIn0.e30.'])
        return rec

    def other_curve(self, key):
        """An epk of another curve than key's: a generator point."""
        g = jwe.GENERATORS
        if key == 'x25519':
            return g['P-256']
        if key == 'p384':
            return self.rng.choice([g['P-256'], g['X25519']])
        return self.rng.choice([g['P-384'], g['X25519']])

    # -- spellings --

    def spell_name(self, name, underscore=0.05):
        r = self.rng
        x = r.random()
        if x < 0.70:
            s = name
        elif x < 0.82:
            s = name.lower()
        elif x < 0.88:
            s = name.upper()
        else:
            s = ''.join(c.upper() if r.random() < 0.5 else c.lower()
                        for c in name)
        if '-' in s and r.random() < underscore:
            s = s.replace('-', '_')
        return s

    def auth_value(self, t):
        r = self.rng
        scheme = wchoice(r, [('Bearer ', 70), ('bearer ', 6),
                             ('BEARER ', 4), ('Bearer  ', 4),
                             ('Bearer\t', 2), ('Bearer', 1), ('Basic ', 2),
                             ('Token ', 1), ('Bearer ,', 1)])
        tail = wchoice(r, [('', 90), (' ', 4), (',', 1), (' x', 2)])
        return [scheme, ('tok', t), tail]

    def cookie_name(self, place):
        if place and self.rng.random() < 0.8:
            return 'access_token'
        return wchoice(self.rng, [
            ('access_token', 4), ('ACCESS_TOKEN', 2), ('Access_Token', 1),
            ('access_token ', 2), (' access_token', 2), ('access.token', 2),
            ('access%5Ftoken', 2), ('access+token', 1), ('"access_token"', 1),
            ('access_tokens', 1), ('xaccess_token', 1), ('access-token', 1)])

    def arg_name(self):
        return wchoice(self.rng, [
            ('access_token', 8), ('ACCESS_TOKEN', 2), ('Access_token', 1),
            ('access.token', 2), ('access%5Ftoken', 2), ('access+token', 1),
            ('%61ccess_token', 1), ('access_token%20', 1),
            ('access_tokenx', 1), ('token', 1)])

    # -- the parts of a request --

    def cookie_header(self, pairs):
        """Cookie value pieces from [(name, segs) or bare str]."""
        r = self.rng
        pieces = []
        for i, p in enumerate(pairs):
            sep = '' if i == 0 else wchoice(r, [
                ('; ', 50), (';', 20), (',', 8), (', ', 6), (' ; ', 3),
                (';;', 3), ('; ;', 2), (';\t', 1)])
            if isinstance(p, str):
                pieces.append([sep, [p]])
            else:
                name, segs = p
                eq = wchoice(r, [('=', 92), (' =', 3), ('= ', 3),
                                 (' = ', 2)])
                quote = '"' if r.random() < 0.04 else ''
                pieces.append([sep, [name + eq + quote] + segs + [quote]])
        return pieces

    def filler_cookies(self):
        r = self.rng
        out = []
        for _ in range(r.choice([0, 0, 1, 2, 3, 5])):
            out.append(wchoice(r, [
                (('session', ['s%x' % r.getrandbits(24)]), 5),
                (('theme', ['dark']), 3), ('a', 3), ('', 1),
                (('x', ['1,2']), 1), (('q', ['"a;b"']), 1),
                (('e', ['']), 1), (('access_tokenx', ['y']), 1),
                (('n', ['v' * r.randint(1, 300)]), 1)]))
        return out

    def bare_flood(self):
        """~3-8 KB of a;a;a; (issue 12: remove_cookie wrote past its
        buffer when the pairs were joined again with "; ")."""
        r = self.rng
        unit = r.choice(['a;', 'a;', 'ab;', ';', 'a,', 'a=1;'])
        return [unit * r.randint(1500, 7600 // len(unit))]

    def build_request(self, loc, method, version):
        r = self.rng
        path, protected, place, _ = LOCATIONS[loc]
        headers = []        # [name, pieces, fold]
        cookies = []        # pairs for the Cookie header(s)
        args = []           # [name, segs]

        def add(name, segs):
            headers.append([name, [['', segs]], False])

        # tokens and where they go
        carriers = []
        x = r.random()
        if x < 0.10:
            pass
        else:
            t = self.token(loc=loc)
            first = place or 'auth'
            if r.random() < 0.25:
                first = r.choice(['auth', 'cookie', 'arg'])
            carriers.append((first, t))
            if r.random() < 0.28:
                t2 = t if r.random() < 0.4 else self.token(loc=loc)
                carriers.append((r.choice(['auth', 'cookie', 'arg', first,
                                           first]), t2))
                if r.random() < 0.15:
                    carriers.append((r.choice(['cookie', 'arg']),
                                     self.token()))
        for where, t in carriers:
            if where == 'auth':
                add(self.spell_name('Authorization'), self.auth_value(t))
            elif where == 'cookie':
                cookies.append((self.cookie_name(place == 'cookie'),
                                [('tok', t)]))
            else:
                args.append([self.arg_name(), [('tok', t)]])
        # decoys: tokens where no method of the gateway reads them
        if r.random() < 0.12:
            d = self.token(r.choice(['valid', 'forged', 'expired']))
            w = r.choice(['hdr', 'cookie', 'arg'])
            if w == 'hdr':
                add(r.choice(['X-Access-Token', 'X-Token']), [('tok', d)])
            elif w == 'cookie':
                cookies.append(('token', [('tok', d)]))
            else:
                args.append(['token', [('tok', d)]])

        # cookies
        cookies = self.filler_cookies() + cookies
        r.shuffle(cookies)
        if r.random() < (0.10 if loc == 'app' else 0.03):
            at = r.randint(0, len(cookies))
            cookies[at:at] = self.bare_flood()
        if cookies:
            pieces = self.cookie_header(cookies)
            if len(pieces) > 1 and r.random() < 0.15:
                cut = r.randint(1, len(pieces) - 1)
                rest = pieces[cut:]
                rest[0] = ['', rest[0][1]]
                headers.append([self.spell_name('Cookie'), pieces[:cut],
                                False])
                headers.append([self.spell_name('Cookie'), rest, False])
            else:
                headers.append([self.spell_name('Cookie'), pieces, False])

        # forged identity headers
        if r.random() < 0.3:
            for _ in range(r.randint(1, 3)):
                name = r.choice(['X-User-Id', 'X-User-Roles', 'X-User-Scope',
                                 'X-Fuzz-Name'])
                add(self.spell_name(name, underscore=0.3),
                    [r.choice(['admin', 'mallory', '', 'admin,user'])])

        # other headers
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            add(r.choice(['User-Agent', 'Accept', 'X-Forwarded-For',
                          'X-Request-Id', 'Accept-Encoding', 'Referer']),
                [r.choice(['fuzz', '*/*', '127.0.0.1', 'gzip',
                           'http://x/?access_token=1', 'a' * 100])])

        # duplicates
        if headers and r.random() < 0.08:
            h = r.choice(headers)
            headers.append([h[0], [list(p) for p in h[1]], False])
        r.shuffle(headers)

        # the query
        if r.random() < 0.15:
            args.append([r.choice(['a', 'b', 'page', 'x']),
                         [r.choice(['1', '', '%00', '%26', 'a b'])]])
        if r.random() < 0.05:
            args.append(['fz', ['nope']])
        r.shuffle(args)
        query = []
        for i, (name, segs) in enumerate(args):
            sep = '' if i == 0 else wchoice(r, [('&', 85), (';', 10),
                                                ('&&', 5)])
            eq = '' if (not segs and r.random() < 0.5) else '='
            query.append([sep, [name + eq] + segs])

        body = ''
        if method in ('POST', 'PUT', 'PATCH') and r.random() < 0.8:
            body = r.choice(['item=book', '{"a":1}', 'x' * 2000,
                             'access_token=eyJ'])
        if version != '2' and r.random() < 0.03 and headers:
            # obs-fold: a header continued on the next line
            cand = [h for h in headers
                    if ' ' in pieces_text(h[1], ['T'] * 99)]
            if cand:
                r.choice(cand)[2] = True
        host = 'localhost' if r.random() < 0.97 else r.choice(
            ['LOCALHOST', 'localhost:80', '127.0.0.1', 'x' * 300])
        return {'loc': loc, 'method': method, 'version': version,
                'path': path, 'host': host, 'headers': headers,
                'query': query, 'body': body}

    def case(self):
        r = self.rng
        proto = wchoice(r, [('1.1', 62), ('1.0', 10), ('pipe', 12),
                            ('2', 16 if self.h2_ok else 0)])
        nreq = r.randint(2, 3) if proto == 'pipe' else (
            r.choice([1, 1, 1, 2, 3]) if proto == '2' else 1)
        reqs = []
        for _ in range(nreq):
            loc = wchoice(r, LOCATION_WEIGHTS)
            method = wchoice(r, [('GET', 60), ('HEAD', 6), ('POST', 12),
                                 ('PUT', 3), ('DELETE', 4), ('OPTIONS', 3),
                                 ('PATCH', 2), ('PROPFIND', 1),
                                 ('get', 1)])
            version = {'pipe': '1.1'}.get(proto, proto)
            reqs.append(self.build_request(loc, method, version))
        return {'proto': proto, 'reqs': reqs, 'tokens': self.tokens}


def generate(seed, n, h2_ok):
    rng = random.Random('%s/%d' % (seed, n))
    return Gen(rng, h2_ok).case()


# ---------------------------------------------------------------------------
# rendering a case
# ---------------------------------------------------------------------------

def target(req, serial, toks):
    path = req['path']
    q = pieces_text(req['query'], toks)
    if path.endswith('/'):
        path += 'fz%d' % serial
    else:
        q = 'fz=%d' % serial + ('&' + q if q else '')
    return path + ('?' + q if q else '')


def header_lines(req, toks, h2=False):
    """[(name, value)] as sent; an obs-folded value holds its CRLF."""
    out = []
    for name, pieces, fold in req['headers']:
        v = pieces_text(pieces, toks)
        if fold and ' ' in v:
            i = v.index(' ')
            v = v[:i] + '\r\n' + v[i:]
        out.append((name.lower() if h2 else name, v))
    return out


def h1_bytes(req, serial, toks, last, conn_close):
    v = req['version']
    lines = ['%s %s HTTP/%s' % (req['method'], target(req, serial, toks), v),
             'Host: ' + req['host']]
    lines += ['%s: %s' % nv for nv in header_lines(req, toks)]
    if req['body']:
        lines.append('Content-Length: %d' % len(req['body']))
    if v == '1.1' and last and conn_close:
        lines.append('Connection: close')
    return ('\r\n'.join(lines) + '\r\n\r\n' + req['body']).encode('latin-1')


# ---------------------------------------------------------------------------
# the echo upstream: issuer (JWKS) and services
# ---------------------------------------------------------------------------

class Echo:
    def __init__(self, jwks):
        self.jwks = jwks
        self.lock = threading.Lock()
        self.records = {}
        self.unkeyed = 0
        self.servers = []

    def record(self, serial, rec):
        with self.lock:
            if serial is None:
                self.unkeyed += 1
            else:
                self.records.setdefault(serial, []).append(rec)

    def take(self, serial):
        with self.lock:
            return self.records.pop(serial, [])

    def start(self, ports):
        echo = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                echo.serve(self.request, self.server.role)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        for role, port in ports:
            s = Server(('127.0.0.1', port), Handler)
            s.role = role
            th = threading.Thread(target=s.serve_forever, daemon=True)
            th.start()
            self.servers.append(s)

    def stop(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def serve(self, sock, role):
        sock.settimeout(30)
        buf = b''
        try:
            while True:
                while b'\r\n\r\n' not in buf:
                    d = sock.recv(65536)
                    if not d:
                        return
                    buf += d
                head, buf = buf.split(b'\r\n\r\n', 1)
                lines = head.split(b'\r\n')
                rline = lines[0]
                hdrs = []
                bad = []
                for l in lines[1:]:
                    m = re.match(rb'^([^:\s]+):[ \t]*(.*?)[ \t]*$', l, re.S)
                    if not m:
                        bad.append(l)
                        continue
                    hdrs.append((m.group(1).decode('latin-1'),
                                 m.group(2)))
                cl = 0
                chunked = False
                for n, v in hdrs:
                    if n.lower() == 'content-length' and v.isdigit():
                        cl = int(v)
                    if n.lower() == 'transfer-encoding' and \
                            b'chunked' in v.lower():
                        chunked = True
                if chunked:
                    body = b''
                    while True:
                        while b'\r\n' not in buf:
                            d = sock.recv(65536)
                            if not d:
                                return
                            buf += d
                        size_line, buf = buf.split(b'\r\n', 1)
                        size = int(size_line.split(b';')[0], 16)
                        while len(buf) < size + 2:
                            d = sock.recv(65536)
                            if not d:
                                return
                            buf += d
                        body += buf[:size]
                        buf = buf[size + 2:]
                        if size == 0:
                            break
                else:
                    while len(buf) < cl:
                        d = sock.recv(65536)
                        if not d:
                            return
                        buf += d
                    body, buf = buf[:cl], buf[cl:]
                parts = rline.split(b' ')
                tgt = parts[1] if len(parts) > 1 else b''
                m = re.search(rb'fz=?(\d+)', tgt)
                serial = int(m.group(1)) if m else None
                self.record(serial, {'role': role, 'line': rline,
                                     'headers': hdrs, 'bad': bad,
                                     'body': body})
                if tgt.startswith(b'/.well-known/jwks.json'):
                    out, ctype = self.jwks, b'application/json'
                elif tgt.startswith(b'/.well-known/revocations.json'):
                    # gateway.conf's revocation list: nothing revoked
                    out, ctype = b'{}', b'application/json'
                else:
                    out, ctype = b'echo ' + role.encode() + b'\n', \
                        b'text/plain'
                sock.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: ' + ctype +
                             b'\r\nContent-Length: %d\r\nX-Echo: %s\r\n\r\n'
                             % (len(out), role.encode()) + out)
        except (OSError, ValueError):
            return


# ---------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------

VARS_LOCATION = '''
        # fuzz-http only: claim variables in a request header and in a
        # response header (issue 12: CR/LF in claim variables)
        location /api/vars/ {
            proxy_set_header X-Fuzz-Name $jwt_claim_name;
            proxy_set_header Connection  "";
            add_header       X-Fuzz-Sub  $jwt_claim_sub;
            proxy_pass http://users_service;
        }

'''


JWE_LOCATIONS = '''
        # fuzz-http only: encrypted tokens (auth_jwt_type).  Decryption
        # keys: t/data/jwe-keys.json written 0600 in the run directory, all
        # of them (nested) or its secret oct keys (encrypted); the inner
        # token's keys: the issuer's, as elsewhere.
        location /api/jwe/ {
            auth_jwt_type        nested;
            auth_jwt_key_file    %(d)s/jwe-dec.json;
            auth_jwt_key_request /_jwks issuer=https://auth.jwtgate.test;
            proxy_pass http://users_service;
        }

        location /api/enc/ {
            auth_jwt_type     encrypted;
            auth_jwt_key_file %(d)s/jwe-oct.json;
            proxy_pass http://users_service;
        }

'''


def write_key_file(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(text)


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def nginx_conf(src, d, module, p, h2):
    """gateway.conf with our ports, module, paths, h2 listener and the
    /api/vars/, /api/jwe/ and /api/enc/ locations; fails when
    gateway.conf changed shape."""
    with open(src) as f:
        c = f.read()

    def sub(pat, rep, count=1):
        nonlocal c
        c, k = re.subn(pat, rep, c)
        if k != count:
            raise SystemExit('fuzz-http: %s: %r matched %d times, not %d; '
                             'update tools/fuzz-http.py'
                             % (src, pat, k, count))

    sub(r'/usr/lib/nginx/modules/ngx_http_auth_jwt_module\.so', module)
    listen = 'listen 127.0.0.1:%d;' % p['gw']
    if h2:
        listen += '\n        listen 127.0.0.1:%d http2;' % p['h2']
    sub(r'listen 127\.0\.0\.1:8080;', listen)
    sub(r'server 127\.0\.0\.1:8090;', 'server 127.0.0.1:%d;' % p['issuer'])
    sub(r'server 127\.0\.0\.1:8091;', 'server 127.0.0.1:%d;' % p['orders'])
    sub(r'server 127\.0\.0\.1:8092;', 'server 127.0.0.1:%d;' % p['users'])
    sub(r'listen 127\.0\.0\.1:8091;', 'listen 127.0.0.1:%d;' % p['spare1'])
    sub(r'listen 127\.0\.0\.1:8092;', 'listen 127.0.0.1:%d;' % p['spare2'])
    sub(r'(\n[ \t]*# browsers: the token comes in the cookie)',
        (VARS_LOCATION + JWE_LOCATIONS % {'d': d}).rstrip('\n') + r'\1')
    sub(r'(?m)^(\s*http\s*\{)', r'''\1
    access_log            off;
    client_body_temp_path %s/tmp/body;
    proxy_temp_path       %s/tmp/proxy;
    fastcgi_temp_path     %s/tmp/fastcgi;
    uwsgi_temp_path       %s/tmp/uwsgi;
    scgi_temp_path        %s/tmp/scgi;''' % ((d,) * 5))
    head = 'pid %s/nginx.pid;\nerror_log %s/logs/error.log info;\n' % (d, d)
    if os.geteuid() == 0:
        head += 'user root;\n'
    return head + c


class Nginx:
    def __init__(self, binary, conf, d):
        self.binary = binary
        self.conf = conf
        self.d = d
        self.proc = None
        self.logpos = 0
        self.errpos = 0
        self.workers = set()

    def args(self):
        return [self.binary, '-p', self.d + '/', '-c', self.conf,
                '-e', self.d + '/logs/error.log']

    def start(self, port):
        t = subprocess.run(self.args() + ['-t'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if t.returncode != 0:
            raise SystemExit('fuzz-http: nginx -t failed:\n' +
                             t.stdout.decode(errors='replace'))
        self.stderr = open(self.d + '/logs/nginx.stderr', 'ab')
        self.proc = subprocess.Popen(self.args() + ['-g', 'daemon off;'],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit('fuzz-http: nginx exited at start, see %s'
                                 % self.d)
            try:
                s = socket.create_connection(('127.0.0.1', port), 1)
                s.sendall(b'GET /healthz HTTP/1.0\r\n\r\n')
                if s.recv(100).startswith(b'HTTP/1.1 200'):
                    s.close()
                    break
                s.close()
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise SystemExit('fuzz-http: nginx did not answer in 60 s')
        for _ in range(100):
            self.workers = self.children()
            if len(self.workers) >= 2:
                break
            time.sleep(0.05)

    def children(self):
        pid = self.proc.pid
        try:
            with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
                return set(int(x) for x in f.read().split())
        except OSError:
            return set()

    def new_log(self):
        out = b''
        for name, attr in (('error.log', 'logpos'),
                           ('nginx.stderr', 'errpos')):
            try:
                with open(self.d + '/logs/' + name, 'rb') as f:
                    f.seek(getattr(self, attr))
                    b = f.read()
                    setattr(self, attr, getattr(self, attr) + len(b))
                    out += b
            except OSError:
                pass
        return out.decode('latin-1')

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                log('fuzz-http: nginx (pid %d) did not stop on QUIT, '
                    'killing it' % self.proc.pid)
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


DEATH = re.compile(r'exited on signal|exited with code [1-9]|'
                   r'AddressSanitizer|LeakSanitizer|runtime error:|'
                   r'UndefinedBehaviorSanitizer|heap-buffer-overflow|'
                   r'free\(\): invalid|double free|corrupted size')


# ---------------------------------------------------------------------------
# the client: HTTP/1.x and HTTP/2, with a parser that checks each answer
# ---------------------------------------------------------------------------

class Malformed(Exception):
    pass


TOKEN_CHARS = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
RESPONSE_HEADERS = {
    'server', 'date', 'content-type', 'content-length', 'connection',
    'keep-alive', 'transfer-encoding', 'www-authenticate', 'retry-after',
    'set-cookie', 'location', 'x-fuzz-sub', 'x-echo', 'cache-control',
    'expires', 'last-modified', 'etag', 'accept-ranges', 'vary', 'allow'}


def parse_h1(buf, pos, method, closed):
    """One response at buf[pos:]: (response, next pos), or None when more
    bytes are needed.  Raises Malformed."""
    end = buf.find(b'\r\n\r\n', pos)
    if end < 0:
        if closed:
            raise Malformed('the connection closed inside a header')
        if len(buf) - pos > 65536:
            raise Malformed('a header of more than 64 KB')
        return None
    lines = buf[pos:end].split(b'\r\n')
    m = re.fullmatch(rb'HTTP/1\.[01] ([1-5][0-9][0-9])(?: [^\r\n\x00]*)?',
                     lines[0])
    if not m:
        raise Malformed('bad status line %r' % lines[0][:100])
    status = int(m.group(1))
    hdrs = []
    for l in lines[1:]:
        m2 = re.fullmatch(b'(' + TOKEN_CHARS + rb'):[ \t]*([^\r\n\x00]*?)'
                          rb'[ \t]*', l)
        if not m2:
            raise Malformed('bad header line %r' % l[:100])
        hdrs.append((m2.group(1).decode().lower(), m2.group(2)))
    names = [n for n, _ in hdrs]
    extra = [n for n in names if n not in RESPONSE_HEADERS]
    if extra:
        raise Malformed('unexpected response header(s) %s: a split '
                        'response?' % ', '.join(extra))
    p = end + 4
    if 100 <= status < 200:
        return {'status': status, 'headers': hdrs, 'body': b'',
                'interim': True}, p
    cls = [v for n, v in hdrs if n == 'content-length']
    te = [v for n, v in hdrs if n == 'transfer-encoding']
    if cls and te:
        raise Malformed('both Content-Length and Transfer-Encoding')
    if len(cls) > 1 and len(set(cls)) > 1:
        raise Malformed('Content-Length given twice, differently')
    if method == 'HEAD' or status in (204, 304):
        return {'status': status, 'headers': hdrs, 'body': b''}, p
    if te:
        if te != [b'chunked']:
            raise Malformed('Transfer-Encoding %r' % te)
        body = b''
        while True:
            e = buf.find(b'\r\n', p)
            if e < 0:
                if closed:
                    raise Malformed('the connection closed inside a chunk')
                return None
            sl = buf[p:e]
            if not re.fullmatch(rb'[0-9a-fA-F]{1,8}', sl):
                raise Malformed('bad chunk size %r' % sl[:40])
            size = int(sl, 16)
            if len(buf) < e + 2 + size + 2:
                if closed:
                    raise Malformed('the connection closed inside a chunk')
                return None
            if buf[e + 2 + size:e + 4 + size] != b'\r\n':
                raise Malformed('a chunk longer than its size')
            body += buf[e + 2:e + 2 + size]
            p = e + 4 + size
            if size == 0:
                return {'status': status, 'headers': hdrs, 'body': body}, p
    if cls:
        if not cls[0].isdigit():
            raise Malformed('Content-Length %r' % cls[0])
        n = int(cls[0])
        if len(buf) - p < n:
            if closed:
                raise Malformed('the body ends %d bytes before its '
                                'Content-Length' % (n - (len(buf) - p)))
            return None
        return {'status': status, 'headers': hdrs, 'body': buf[p:p + n]}, \
            p + n
    if not closed:
        return None
    return {'status': status, 'headers': hdrs, 'body': buf[p:],
            'close': True}, len(buf)


def keeps_alive(req, resp):
    conn = b','.join(v for n, v in resp['headers'] if n == 'connection')
    if b'close' in conn.lower() or resp.get('close'):
        return False
    return True


def h1_exchange(port, case, serials, toks):
    """Send the case's requests on one connection; the answers, and the
    problems with them."""
    reqs = case['reqs']
    data = b''.join(h1_bytes(r, s, toks, i == len(reqs) - 1, True)
                    for i, (r, s) in enumerate(zip(reqs, serials)))
    out, problems = [], []
    try:
        sock = socket.create_connection(('127.0.0.1', port), TIMEOUT)
    except OSError as e:
        return out, ['connect: %s' % e]
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b''
    pos = 0
    closed = False
    idx = 0
    deadline = time.time() + TIMEOUT
    try:
        sock.sendall(data)
    except OSError:
        pass                        # nginx may answer 400 and close early
    try:
        while idx < len(reqs):
            try:
                got = parse_h1(buf, pos, reqs[idx]['method'], closed)
            except Malformed as e:
                problems.append('request %d: %s' % (idx, e))
                break
            if got:
                resp, pos = got
                if resp.get('interim'):
                    continue
                out.append(resp)
                idx += 1
                if not keeps_alive(reqs[idx - 1], resp):
                    break
                continue
            if closed:
                if idx == 0:
                    problems.append('the connection closed without an '
                                    'answer')
                elif pos == len(buf):
                    pass            # nginx may close between answers
                break
            left = deadline - time.time()
            if left <= 0:
                problems.append('no complete answer to request %d in %g s'
                                % (idx, TIMEOUT))
                break
            rl, _, _ = select.select([sock], [], [], left)
            if not rl:
                continue
            try:
                d = sock.recv(262144)
            except ConnectionResetError:
                d = b''
            if not d:
                closed = True
            buf += d
        if not problems and idx == len(reqs):
            # nothing may follow the last answer
            sock.settimeout(0.02 if not closed else 0)
            try:
                more = sock.recv(4096) if not closed else b''
            except (socket.timeout, OSError):
                more = b''
            if buf[pos:] or more:
                problems.append('%d bytes after the last answer: %r' % (
                    len(buf[pos:] + more), (buf[pos:] + more)[:80]))
    finally:
        sock.close()
    return out, problems


def h2_exchange(port, case, serials, toks):
    reqs = case['reqs']
    out, problems = [None] * len(reqs), []
    cfg = h2.config.H2Configuration(client_side=True, header_encoding=None,
                                    validate_outbound_headers=False,
                                    normalize_outbound_headers=False,
                                    validate_inbound_headers=False)
    conn = h2.connection.H2Connection(config=cfg)
    try:
        sock = socket.create_connection(('127.0.0.1', port), TIMEOUT)
    except OSError as e:
        return [], ['connect: %s' % e]
    streams = {}
    try:
        conn.initiate_connection()
        for i, (r, s) in enumerate(zip(reqs, serials)):
            sid = conn.get_next_available_stream_id()
            hl = [(b':method', r['method'].encode()), (b':scheme', b'http'),
                  (b':authority', r['host'].encode('latin-1')),
                  (b':path', target(r, s, toks).encode('latin-1'))]
            hl += [(n.encode('latin-1'), v.encode('latin-1'))
                   for n, v in header_lines(r, toks, h2=True)]
            if r['body']:
                hl.append((b'content-length', b'%d' % len(r['body'])))
            conn.send_headers(sid, hl, end_stream=not r['body'])
            if r['body']:
                conn.send_data(sid, r['body'].encode('latin-1'),
                               end_stream=True)
            streams[sid] = {'i': i, 'headers': None, 'body': b'',
                            'done': False, 'reset': None}
        sock.sendall(conn.data_to_send())
        deadline = time.time() + TIMEOUT
        ended = False
        while not ended and not all(st['done'] for st in streams.values()):
            left = deadline - time.time()
            if left <= 0:
                problems.append('HTTP/2: no complete answer in %g s'
                                % TIMEOUT)
                break
            rl, _, _ = select.select([sock], [], [], left)
            if not rl:
                continue
            try:
                d = sock.recv(262144)
            except ConnectionResetError:
                d = b''
            if not d:
                if not all(st['done'] for st in streams.values()):
                    problems.append('HTTP/2: the connection closed with '
                                    'streams open')
                break
            try:
                events = conn.receive_data(d)
            except h2.exceptions.ProtocolError as e:
                problems.append('HTTP/2 protocol error from nginx: %s' % e)
                break
            for ev in events:
                st = streams.get(getattr(ev, 'stream_id', None))
                if isinstance(ev, h2.events.ResponseReceived):
                    st['headers'] = ev.headers
                elif isinstance(ev, h2.events.DataReceived):
                    st['body'] += ev.data
                    conn.acknowledge_received_data(
                        ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    st['done'] = True
                elif isinstance(ev, h2.events.StreamReset):
                    st['done'] = True
                    st['reset'] = ev.error_code
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    ended = True
                    for x in streams.values():
                        if x['headers'] is None:
                            x['done'] = True
            pending = conn.data_to_send()
            if pending:
                try:
                    sock.sendall(pending)
                except OSError:
                    pass
    finally:
        sock.close()
    for sid, st in streams.items():
        r = reqs[st['i']]
        if st['headers'] is None:
            continue                # refused (RST_STREAM / GOAWAY): fine
        hd = [(bytes(n).decode('latin-1'), bytes(v)) for n, v in
              st['headers']]
        sts = [v for n, v in hd if n == ':status']
        if len(sts) != 1 or not re.fullmatch(rb'[1-5][0-9][0-9]', sts[0]):
            problems.append('stream %d: :status %r' % (sid, sts))
            continue
        status = int(sts[0])
        rest = [(n, v) for n, v in hd if not n.startswith(':')]
        bad = [n for n, _ in rest if n not in RESPONSE_HEADERS or
               n in ('connection', 'keep-alive', 'transfer-encoding')]
        if bad:
            problems.append('stream %d: unexpected header(s) %s' % (
                sid, ', '.join(bad)))
        if not st['done']:
            problems.append('stream %d: no end of stream' % sid)
        cl = [v for n, v in rest if n == 'content-length']
        if cl and r['method'] != 'HEAD' and status not in (204, 304) and \
                st['reset'] in (None, 0):
            if not cl[0].isdigit() or int(cl[0]) != len(st['body']):
                problems.append('stream %d: content-length %r, body of %d '
                                'bytes' % (sid, cl[0], len(st['body'])))
        out[st['i']] = {'status': status, 'headers': rest,
                        'body': st['body']}
    return out, problems


# ---------------------------------------------------------------------------
# the oracle: what the gateway must have done with what we sent
# ---------------------------------------------------------------------------

def _hex(c):
    return int(c, 16) if c in '0123456789abcdefABCDEF' else -1


def named(pair, name):
    """Whether a cookie pair or argument is called name, as
    docs/DIRECTIVES.md "A token is taken once" says names compare."""
    if '=' in pair:
        pair = pair[:pair.index('=')]
    out = []
    spaces = 0
    started = False
    i = 0
    while i < len(pair):
        c = pair[i]
        if c == '%' and len(pair) - i > 2 and _hex(pair[i + 1]) >= 0 and \
                _hex(pair[i + 2]) >= 0:
            c = chr(_hex(pair[i + 1]) * 16 + _hex(pair[i + 2]))
            i += 3
        else:
            i += 1
        if c in ' \t+':
            if started:
                spaces += 1
            continue
        started = True
        out.append('_' * spaces)
        spaces = 0
        out.append('_' if c == '.' else c.lower())
    return ''.join(out) == name


def split_pairs(text, seps):
    return re.split('[' + re.escape(seps) + ']', text)


def nginx_headers(req, toks, h2=False):
    """The headers nginx keeps, or None when it must refuse the request
    (400): obs-fold, a repeated Host or Authorization, an invalid name."""
    hl = [('Host', req['host'])] + header_lines(req, toks, h2)
    if h2:
        hl = hl[1:]
    kept = []
    seen = {}
    for n, v in hl:
        if '\r' in v or '\n' in v:
            return None
        if h2 and n != n.lower():
            return None
        if not re.fullmatch(r'[A-Za-z0-9-]+', n):
            if '_' in n and re.fullmatch(r'[A-Za-z0-9_-]+', n):
                continue            # ignored: underscores_in_headers off
            return None
        ln = n.lower()
        v = v.strip(' \t')         # nginx drops white space around values
        if ln in ('host', 'authorization'):
            if ln in seen:
                return None
            seen[ln] = 1
        kept.append((ln, v))
    return kept


def is_bearer(v):
    return len(v) >= 6 and v[:6].lower() == 'bearer' and \
        (len(v) == 6 or v[6] in ' \t')


def counted_copies(req, toks, h2):
    """[(method, value)] of every copy of a token the gateway counts."""
    hs = nginx_headers(req, toks, h2)
    if hs is None:
        return None
    place = LOCATIONS[req['loc']][2]
    copies = []
    for n, v in hs:
        if n == 'authorization' and is_bearer(v):
            copies.append(('auth', v[6:].lstrip(' \t')))
    q = pieces_text(req['query'], toks)
    for a in split_pairs(q, '&;'):
        if a and named(a, 'access_token'):
            copies.append(('arg', a.split('=', 1)[1] if '=' in a else ''))
    if place == 'cookie':
        for n, v in hs:
            if n == 'cookie':
                for c in split_pairs(v, ';,'):
                    if named(c, 'access_token'):
                        val = c.split('=', 1)[1] if '=' in c else ''
                        copies.append(('cookie', val.strip(' \t')))
    return copies


def verdict(req, toks, recipes, h2):
    """('refuse', why) or ('admit', token number, canonical)."""
    loc = req['loc']
    path, protected, place, proxied = LOCATIONS[loc]
    copies = counted_copies(req, toks, h2)
    if copies is None:
        return ('refuse', 'nginx refuses the request')
    if len(copies) != 1:
        return ('refuse', '%d copies of a token' % len(copies))
    method, value = copies[0]
    if method != place:
        return ('refuse', 'the token is not where the location reads it')
    ids = [i for i, t in enumerate(toks) if t == value]
    if not ids:
        return ('refuse', 'the value read is no token we minted')
    rec = recipes[ids[0]]
    if len(value) > MAX_TOKEN:
        return ('refuse', 'a token over %d bytes (%s)' % (
            MAX_TOKEN, token_name(rec)))
    if len(value.split('.')[0]) > MAX_HEADER:
        return ('refuse', 'a header segment over %d bytes (%s)' % (
            MAX_HEADER, token_name(rec)))
    if not token_passes(rec, loc):
        return ('refuse', 'a token that must not pass at %s (%s)' % (
            path, token_name(rec)))
    if loc == 'orders' and req['method'] not in ('GET', 'HEAD'):
        roles = rec['claims'].get('roles')
        if not (isinstance(roles, list) and 'admin' in roles) and \
                roles != 'admin':
            return ('refuse', 'no admin role for %s' % req['method'])
    canonical = (not req['query'] or loc != 'app') and value == toks[ids[0]]
    return ('admit', ids[0], canonical)


def check_upstream(req, recs, toks, recipes, h2):
    """Violations in what the upstream received for one request."""
    loc = req['loc']
    path, protected, place, proxied = LOCATIONS[loc]
    v = []
    if not recs:
        return v, False
    if not proxied:
        return ['%s is not proxied, yet the upstream got it' % path], False
    vd = verdict(req, toks, recipes, h2)
    admitted = False
    for rec in recs:
        seen = {}
        for n, val in rec['headers']:
            k = n.lower().replace('_', '-')
            if k in IDENTITY or (k == 'x-fuzz-name' and loc == 'vars'):
                seen.setdefault(k, []).append(val)
        for b in rec['bad']:
            v.append(('identity', 'the upstream got a broken header line '
                      '%r' % b[:120]))
        if not protected:
            for k, vals in seen.items():
                v.append(('identity', '%s without a token check: %s: %r'
                          % (path, k, vals)))
            continue
        if vd[0] == 'refuse':
            v.append(('identity', 'the upstream got a request the gateway '
                      'must refuse (%s); identity %r' % (vd[1], seen)))
        else:
            admitted = True
            claims = token_claims(recipes[vd[1]])
            want = {k: render(claims.get(c)) for k, c in IDENTITY.items()}
            if loc == 'vars':
                want['x-fuzz-name'] = render(claims.get('name'))
            for k in set(want) | set(seen):
                got = seen.get(k, [])
                w = want.get(k)
                if len(got) > 1:
                    v.append(('identity', '%s %d times: %r' % (
                        k, len(got), got)))
                elif (got[0] if got else b'') != (w or b''):
                    v.append(('identity', '%s: the upstream got %r, the '
                              'token says %r' % (k, got[0][:200] if got
                                                 else None, w and w[:200])))
        # the token bytes, where forward_token off applies
        if protected:
            copies = counted_copies(req, toks, h2) or []
            show = [rec['line'].decode('latin-1')]
            show += [val.decode('latin-1') for n, val in rec['headers']
                     if n.lower() in ('authorization', 'cookie')]
            text = '\n'.join(show)
            text += '\n' + unquote(text)
            sent = target(req, 0, toks) + '\n' + '\n'.join(
                val for _, val in header_lines(req, toks))
            for i, t in enumerate(toks):
                # a token also sent where no method reads it (a cookie
                # "xaccess_token" at /api/) may go up from there
                n = sum(val.count(t) for _, val in copies)
                if len(t) < 60 or n == 0 or sent.count(t) > n:
                    continue
                if t in text:
                    v.append(('token', 'token %d (%s, sent by %s) reached '
                              'the upstream' % (
                                  i, recipes[i]['kind'],
                                  '+'.join(m for m, val in copies
                                           if t in val))))
    return v, admitted


# ---------------------------------------------------------------------------
# running a case
# ---------------------------------------------------------------------------

class Runner:
    def __init__(self, nginx, echo, keys, ports, h2):
        self.nginx = nginx
        self.echo = echo
        self.keys = keys
        self.ports = ports
        self.h2 = h2
        self.serial = 0
        self.stats = {'requests': 0, 'admitted': 0, 'canonical': 0,
                      'canonical_admitted': 0, 'statuses': {},
                      'by_proto': {}, 'cases': 0, 'jwe_cases': 0,
                      'jwe_requests': 0, 'jwe_admitted': 0,
                      'jwe_canonical': 0, 'jwe_canonical_admitted': 0,
                      'jwe_kinds': {}}

    def run(self, case, settle=0.0, count=True):
        """The violations of one run of a case: [(kind, text)]."""
        now = int(time.time())
        toks = [mint(self.keys, t, now) for t in case['tokens']]
        serials = []
        for _ in case['reqs']:
            self.serial += 1
            serials.append(self.serial)
        if case['proto'] == '2':
            answers, problems = h2_exchange(self.ports['h2'], case,
                                            serials, toks)
        else:
            answers, problems = h1_exchange(self.ports['gw'], case,
                                            serials, toks)
        v = [('response', p) for p in problems]
        self.last_status = answers[0]['status'] if answers and answers[0] \
            else None
        if VERBOSE:
            for i, (req, s) in enumerate(zip(case['reqs'], serials)):
                log('--- request %d (%s, %s):' % (i, req['loc'],
                                                 case['proto']))
                log(h1_bytes(req, s, toks, True, False)[:3000])
                log('    verdict: %r' % (verdict(req, toks, case['tokens'],
                                                 case['proto'] == '2'),))
                with self.echo.lock:
                    for rec in self.echo.records.get(s, []):
                        log('    upstream: %r' % rec['line'])
                        for n, val in rec['headers']:
                            log('      %s: %r' % (n, val[:300]))
            for a in answers:
                if a:
                    log('--- answer %s %r' % (a['status'], a['body'][:200]))
        if problems:
            # an answer cut short: a dying worker's log line comes later
            settle = max(settle, 0.3)
        if settle:
            time.sleep(settle)
        if count:
            self.stats['cases'] += 1
            if any('jwe' in t for t in case['tokens']):
                self.stats['jwe_cases'] += 1
            for t in case['tokens']:
                if 'jwe' in t:
                    k = self.stats['jwe_kinds']
                    k[t['kind']] = k.get(t['kind'], 0) + 1
        for i, (req, s) in enumerate(zip(case['reqs'], serials)):
            recs = self.echo.take(s)
            vv, admitted = check_upstream(req, recs, toks, case['tokens'],
                                          case['proto'] == '2')
            v += [x if isinstance(x, tuple) else ('identity', x)
                  for x in vv]
            if count:
                self.stats['requests'] += 1
                vd = verdict(req, toks, case['tokens'], case['proto'] == '2')
                ans = answers[i] if i < len(answers) else None
                st = ans['status'] if ans else 'none'
                self.stats['statuses'][st] = \
                    self.stats['statuses'].get(st, 0) + 1
                if admitted:
                    self.stats['admitted'] += 1
                    p = {'2': 'h2', '1.0': 'h1.0', 'pipe': 'pipelined'}.get(
                        case['proto'], 'h1.1')
                    self.stats['by_proto'][p] = \
                        self.stats['by_proto'].get(p, 0) + 1
                jl = req['loc'] in LOC_TYPE
                if jl:
                    self.stats['jwe_requests'] += 1
                    if admitted:
                        self.stats['jwe_admitted'] += 1
                if vd[0] == 'admit' and vd[2] and \
                        LOCATIONS[req['loc']][3] and \
                        req['method'] == 'GET':
                    self.stats['canonical'] += 1
                    if admitted:
                        self.stats['canonical_admitted'] += 1
                    if jl:
                        self.stats['jwe_canonical'] += 1
                        if admitted:
                            self.stats['jwe_canonical_admitted'] += 1
        text = self.nginx.new_log()
        for line in text.splitlines():
            if DEATH.search(line):
                v.append(('crash', line.strip()[:300]))
        now_workers = self.nginx.children()
        if now_workers != self.nginx.workers:
            gone = self.nginx.workers - now_workers
            if gone:
                v.append(('crash', 'worker(s) %s gone, now %s' % (
                    sorted(gone), sorted(now_workers))))
            self.nginx.workers = now_workers
        if self.nginx.proc.poll() is not None:
            v.append(('crash', 'the nginx master exited (%s)'
                      % self.nginx.proc.returncode))
        return v


def kinds(v):
    return sorted(set(k for k, _ in v))


# ---------------------------------------------------------------------------
# minimizing a failing case
# ---------------------------------------------------------------------------

def minimize(runner, case, kind, budget=160, seconds=30):
    """A smaller case that still fails with a violation of this kind."""
    tries = [0]
    crashy = kind == 'crash'
    deadline = time.time() + seconds

    def fails(c):
        if tries[0] >= budget or time.time() > deadline:
            return False
        for _ in range(3 if crashy else 1):
            tries[0] += 1
            v = runner.run(c, settle=0.15 if crashy else 0, count=False)
            if any(k == kind for k, _ in v):
                return True
        return False

    def clone(c):
        return json.loads(json.dumps(c))

    def attempt(mutate):
        nonlocal case
        c = clone(case)
        if mutate(c) is False:
            return False
        if fails(c):
            case = c
            return True
        return False

    # the connection: one request, HTTP/1.1
    i = 0
    while len(case['reqs']) > 1 and i < len(case['reqs']):
        def drop(c, i=i):
            del c['reqs'][i]
        if not attempt(drop):
            i += 1
    if case['proto'] in ('2', '1.0', 'pipe'):
        def to11(c):
            c['proto'] = '1.1'
            for r in c['reqs']:
                r['version'] = '1.1'
        attempt(to11)
    for ri in range(len(case['reqs'])):
        if case['reqs'][ri]['method'] != 'GET':
            def toget(c, ri=ri):
                c['reqs'][ri]['method'] = 'GET'
            attempt(toget)

    def shrink_list(get):
        """ddmin-like: drop chunks, halving down to single items."""
        n = len(get(case))
        chunk = max(1, n // 2)
        while chunk >= 1 and tries[0] < budget:
            i = 0
            while i < len(get(case)) and tries[0] < budget:
                def drop(c, i=i, chunk=chunk):
                    lst = get(c)
                    if i >= len(lst):
                        return False
                    del lst[i:i + chunk]
                    if lst:
                        lst[0][0] = ''
                    return None
                if not attempt(drop):
                    i += chunk
            if chunk == 1:
                break
            chunk //= 2

    for ri in range(len(case['reqs'])):
        # whole headers
        i = 0
        while i < len(case['reqs'][ri]['headers']) and tries[0] < budget:
            def droph(c, i=i):
                del c['reqs'][ri]['headers'][i]
            if not attempt(droph):
                i += 1
        for hi in range(len(case['reqs'][ri]['headers'])):
            if case['reqs'][ri]['headers'][hi][2]:
                def unfold(c, hi=hi):
                    c['reqs'][ri]['headers'][hi][2] = False
                attempt(unfold)
            # a flood of a;a;a; first as pieces of its own
            h = case['reqs'][ri]['headers'][hi]
            if len(h[1]) > 1 or len(pieces_text(h[1], ['T'] * 99)) > 500:
                shrink_list(lambda c, hi=hi: c['reqs'][ri]['headers'][hi][1])
                shrink_flood(attempt, ri, hi, case)
        shrink_list(lambda c: c['reqs'][ri]['query'])
        if case['reqs'][ri]['body']:
            def nobody(c):
                c['reqs'][ri]['body'] = ''
            attempt(nobody)
    return case, tries[0]


def shrink_flood(attempt, ri, hi, case):
    """Shorten a long literal (a;a;a;...) by halves while it fails."""
    for _ in range(12):
        segs = None
        for p in case['reqs'][ri]['headers'][hi][1]:
            for j, s in enumerate(p[1]):
                if isinstance(s, str) and len(s) > 64:
                    segs = (p, j)
        if not segs:
            return

        def halve(c):
            for p in c['reqs'][ri]['headers'][hi][1]:
                for j, s in enumerate(p[1]):
                    if isinstance(s, str) and len(s) > 64:
                        unit = s[:s.index(';') + 1] if ';' in s[:8] else s[:2]
                        p[1][j] = unit * max(1, len(s) // len(unit) // 2)
                        return None
            return False
        if not attempt(halve):
            return


# ---------------------------------------------------------------------------
# a failing case as a Test::Nginx block
# ---------------------------------------------------------------------------

BLOCK_COMMON = '''        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_issuer        https://auth.jwtgate.test;
        auth_jwt_audience      jwtgate-api;
        auth_jwt_algorithms    RS256;
        auth_jwt_leeway        30s;
        auth_jwt_forward_claim X-User-Id    sub;
        auth_jwt_forward_claim X-User-Roles roles;
        auth_jwt_forward_claim X-User-Scope scope;
        auth_jwt_forward_token off;
        proxy_http_version     1.1;
'''
BLOCK_ECHO = '''    location /echo/ {
        return 200 "request=[$request] authorization=[$http_authorization] cookie=[$http_cookie] x-user-id=[$http_x_user_id] x-user-roles=[$http_x_user_roles] x-user-scope=[$http_x_user_scope] x-fuzz-name=[$http_x_fuzz_name]\\n";
    }
'''


def block_location(loc):
    path = LOCATIONS[loc][0]
    up = 'http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/'
    if loc in ('users', 'orders', 'app', 'vars', 'other', 'jwe', 'enc'):
        lines = ['    location %s {' % path,
                 '        auth_jwt "app" token=$cookie_access_token;'
                 if loc == 'app' else '        auth_jwt "api";']
        body = BLOCK_COMMON
        if loc == 'jwe':
            # Jwe.pm's jwe_setup() keys, of the fuzzer's kids
            body = ('        auth_jwt_type          nested;\n'
                    '        auth_jwt_key_file      $TEST_NGINX_JWE_DIR/'
                    'dec.json;\n') + body
        elif loc == 'enc':
            body = ('        auth_jwt_type          encrypted;\n'
                    '        auth_jwt_key_file      $TEST_NGINX_JWE_DIR/'
                    'dec-oct.json;\n') + body.replace(
                        BLOCK_COMMON.split('\n')[0] + '\n', '')
        if loc == 'orders':
            body += ('        limit_except GET {\n'
                     '            auth_jwt_require_claim roles intersect '
                     'admin;\n        }\n')
        if loc == 'vars':
            body += ('        proxy_set_header X-Fuzz-Name $jwt_claim_name;\n'
                     '        add_header       X-Fuzz-Sub  $jwt_claim_sub;\n')
        body += '        proxy_set_header Connection "";\n'
        if loc != 'other':
            body += '        proxy_pass %s;\n' % up
        return '\n'.join(lines) + '\n' + body + '    }\n'
    if loc in ('login', 'token'):
        return ('    location = %s {\n        auth_jwt off;\n' % path
                + BLOCK_COMMON + '        proxy_set_header Connection "";\n'
                '        proxy_pass %s%s;\n    }\n' % (up, loc))
    if loc == 'healthz':
        return '    location = /healthz {\n        return 200 "ok\\n";\n    }\n'
    if loc == 'logout':
        # gateway.conf passes the logout on to the issuer (revocation)
        return ('    location = /auth/logout {\n        auth_jwt off;\n'
                + BLOCK_COMMON +
                '        auth_jwt_logout_cookie access_token secure=off;\n'
                '        proxy_set_header Cookie "";\n'
                '        proxy_set_header Connection "";\n'
                '        proxy_pass %slogout;\n    }\n' % up)
    return '    location = /_jwks {\n        internal;\n        return 404;\n    }\n'


def perl_request(case, toks_used):
    """The case's bytes as one Perl string expression: HTTP/1.x, with the
    tokens as $t[n]."""
    reqs = case['reqs']
    parts = []
    for i, r in enumerate(reqs):
        last = i == len(reqs) - 1

        def lit(s):
            parts.append(('lit', s))

        path = r['path']
        if path.endswith('/'):
            path += 'fz%d' % i
        q = list(r['query'])
        qsegs = []
        if not r['path'].endswith('/'):
            qsegs.append(('lit', 'fz=%d' % i + ('&' if q else '')))
        for sep, segs in q:
            qsegs.append(('lit', sep))
            qsegs += [('lit', s) if isinstance(s, str) else ('tok', s[1])
                      for s in segs]
        lit('%s %s' % (r['method'], path))
        if qsegs:
            lit('?')
            parts.extend(qsegs)
        lit(' HTTP/%s\r\nHost: %s\r\n' % (r['version'] if r['version'] != '2'
                                          else '1.1', r['host']))
        for name, pieces, fold in r['headers']:
            lit(name + ': ')
            folded = False
            for sep, segs in pieces:
                lit(sep)
                for s in segs:
                    if isinstance(s, str):
                        if fold and not folded and ' ' in s:
                            k = s.index(' ')
                            s = s[:k] + '\r\n' + s[k:]
                            folded = True
                        lit(s)
                    else:
                        parts.append(('tok', s[1]))
            lit('\r\n')
        body = r['body'] if isinstance(r['body'], str) else \
            r['body'].decode('latin-1')
        if body:
            lit('Content-Length: %d\r\n' % len(body))
        if last and r['version'] != '1.0':
            lit('Connection: close\r\n')
        lit('\r\n' + body)
    return perl_parts(parts, toks_used)


def perl_literal(text):
    """Perl expressions for text, a long run of one short unit (a;a;a;...)
    written as ("a;" x 1234)."""
    m = re.search(r'(.{1,4}?)\1{31,}', text, re.S)
    if not m:
        return [perl_str(text)]
    unit = m.group(1)
    n = len(m.group(0)) // len(unit)
    out = [perl_str(text[:m.start()])] if m.start() else []
    out.append('(%s x %d)' % (perl_str(unit), n))
    rest = text[m.start() + n * len(unit):]
    return out + (perl_literal(rest) if rest else [])


def perl_parts(parts, toks_used):
    out = []
    buf = ''
    for kind, x in parts:
        if kind == 'lit':
            buf += x
        else:
            if buf:
                out += perl_literal(buf)
                buf = ''
            out.append('$t[%d]' % x)
            toks_used.add(x)
    if buf:
        out += perl_literal(buf)
    return '\n  . '.join(out) if out else '""'


def perl_simple_request(case, toks_used):
    """(request, more_headers) Perl expressions of a one-request case that
    Test::Nginx can send itself, or None."""
    if len(case['reqs']) != 1:
        return None
    r = case['reqs'][0]
    if r['body'] or r['version'] == '1.0' or \
            any(h[2] for h in r['headers']):
        return None
    line = []
    path = r['path'] + ('fz0' if r['path'].endswith('/') else '')
    line.append(('lit', '%s %s' % (r['method'], path)))
    q = []
    if not r['path'].endswith('/'):
        q.append(('lit', 'fz=0' + ('&' if r['query'] else '')))
    for sep, segs in r['query']:
        q.append(('lit', sep))
        q += [('lit', x) if isinstance(x, str) else ('tok', x[1])
              for x in segs]
    if q:
        line.append(('lit', '?'))
        line += q
    hdr = [('lit', 'Host: %s' % r['host'])]
    for name, pieces, fold in r['headers']:
        hdr.append(('lit', '\n%s: ' % name))
        for sep, segs in pieces:
            hdr.append(('lit', sep))
            hdr += [('lit', x) if isinstance(x, str) else ('tok', x[1])
                    for x in segs]
    return perl_parts(line, toks_used), perl_parts(hdr, toks_used)


def perl_tokens(case, used, key):
    """The block's tokens, minted once per run and shared by its sections
    (Crypt::JWT writes claims in hash order: two mints differ; a JWE is
    randomized)."""
    n = max(used) + 1 if used else 0
    if not n:
        return 'my @t;'
    out = []
    for i in range(n):
        e = perl_token(case['tokens'][i]) if i in used else "''"
        if e is None:
            e = ("'' # token %d, a JWE (%s) t/lib/JWTGate/Jwe.pm cannot "
                 "make: NOT the token the fuzzer sent\n" % (
                     i, token_name(case['tokens'][i])))
        elif 'jwe' in case['tokens'][i]:
            e = '# token %d: a JWE of the kind %s (fuzz-http made other ' \
                'bytes)\n    %s' % (i, token_name(case['tokens'][i]), e)
        out.append(e)
    return 'my @t = @{ $main::fuzz_http{%s} //= [\n    %s] };' % (
        perl_str(key), ',\n    '.join(out))


def uses_jwe(case):
    """Whether a block of the case needs Jwe.pm (a JWE token or a JWE
    location)."""
    return any('jwe' in t for t in case['tokens']) or \
        any(r['loc'] in LOC_TYPE for r in case['reqs'])


def regression_block(case, kind, violations, seed, number):
    used = set()
    req_expr = perl_request(case, used)
    simple = perl_simple_request(case, set()) if kind == 'crash' else None
    toks_decl = perl_tokens(case, used, 'seed %s case %d' % (seed, number))
    locs = []
    for r in case['reqs']:
        if r['loc'] not in locs:
            locs.append(r['loc'])
    config = ''.join(block_location(l) for l in locs) + BLOCK_ECHO
    first = kind
    for pat in ('SUMMARY:', 'ERROR:', 'free(', ''):
        hit = [t for _, t in violations if pat in t]
        if hit:
            first = hit[0]
            break
    title = {'crash': 'no worker dies',
             'identity': 'the upstream gets no identity nobody verified',
             'token': 'no token reaches the upstream with forward_token off',
             'response': 'the answer is a well-formed HTTP response'}[kind]
    out = ['=== TEST 1: fuzz-http seed %s case %d: %s' % (seed, number,
                                                         title),
           '# found: %s' % first.replace('\n', ' ')[:300]]
    if case['proto'] == '2':
        out.append('# sent over HTTP/2 by the fuzzer; this is its HTTP/1.1 '
                   'form, which may not fail the same way')
    out += ['--- config', config.rstrip('\n'),
            ]
    if simple:
        # twice, each on its own connection: with one nginx process (the
        # real Test::Nginx runs without a master), a worker that died in
        # the first request leaves none to answer the second
        out += ['--- request eval', toks_decl,
                'my $r = %s;\n[$r, $r]' % simple[0],
                '--- more_headers eval', toks_decl,
                'my $h = %s;\n[$h, $h]' % simple[1],
                '--- error_code_like eval',
                '[qr/^[1-5][0-9][0-9]$/, qr/^[1-5][0-9][0-9]$/]']
    else:
        out += ['--- raw_request eval', toks_decl, req_expr,
                '--- error_code_like: ^[1-5][0-9][0-9]$']
    unlike = []
    if kind == 'token':
        ph = ['@@%d@@' % i for i in range(len(case['tokens']))]
        ids = set()
        for r in case['reqs']:
            copies = counted_copies(r, ph, False) or []
            sent = target(r, 0, ph) + '\n' + '\n'.join(
                val for _, val in header_lines(r, ph))
            for i, t in enumerate(ph):
                n = sum(val.count(t) for _, val in copies)
                if n and sent.count(t) == n:
                    ids.add(i)
        unlike = ['\\Q$t[%d]\\E' % i for i in sorted(ids & used)]
    if kind == 'identity':
        want = None
        vds = []
        for r in case['reqs']:
            toks = ['@@%d@@' % i for i in range(len(case['tokens']))]
            vds.append(verdict(r, toks, case['tokens'], False))
        for vd in vds:
            if vd[0] == 'admit':
                want = token_claims(case['tokens'][vd[1]])
        names = list(IDENTITY) + ['x-fuzz-name']
        for k in names:
            c = IDENTITY.get(k, 'name')
            w = render(want.get(c)) if want else None
            w = (w or b'').decode('utf-8', 'replace')
            unlike.append('%s=\\[(?!%s\\])' % (k, re.escape(w).replace(
                '/', '\\/').replace('@', '\\@')))
    if unlike:
        out += ['--- response_body_unlike eval',
                toks_decl if any('$t[' in u for u in unlike) else '',
                'qr/%s/' % '|'.join(unlike)]
        if not out[-2]:
            del out[-2]
    split = set()
    for k, text in violations:
        m = re.search(r'unexpected (?:response )?header\(s\) ([-a-z0-9, ]+)',
                      text)
        if m:
            split.update(x.strip() for x in m.group(1).split(','))
    if kind == 'response' and split:
        out += ['--- raw_response_headers_unlike eval',
                'qr/\\n(?i:%s)[ \\t]*:/' % '|'.join(
                    re.escape(x) for x in sorted(split))]
    out += ['--- no_error_log', 'exited on signal', 'AddressSanitizer',
            'runtime error']
    return '\n'.join(out) + '\n'


def block_file(block, seed, number, jwe_used=False):
    jwe_lines = '''use JWTGate::Jwe;

jwe_setup();
''' if jwe_used else ''
    return '''# fuzz-http regression (tools/fuzz-http.py), seed %s, case %d.
# Run from the top of the tree:
#   TEST_NGINX_BINARY=/usr/sbin/nginx PERL5LIB=t/lib \\
#   TEST_NGINX_LOAD_MODULES=$PWD/build/ngx_http_auth_jwt_module.so prove THIS_FILE
# Paste the block into the suite it belongs to (t/02x-hostile, t/06x-forward,
# t/10x-jwe for a JWE).

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
%s
$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

%s''' % (seed, number, jwe_lines, block)


def jwe_kinds_file(count, seed, keys, keydir):
    """FUZZ_HTTP_JWE_KINDS=n: a Test::Nginx file of two blocks, each
    sending n JWE tokens of the fuzzer's kinds to the nested and encrypted
    locations of the blocks; each must get 200 where token_passes() says
    it must pass (or 400 for a token over 7000 bytes: a header that may
    outgrow nginx's 8 KB), else 400 or 401.
    TEST 1 sends their Perl forms (Jwe.pm, jwe_setup()'s keys): are they
    tokens of the same kinds?  TEST 2 the very tokens fuzz-http makes
    (valid for an hour), under t/data/jwe-keys.json's keys written into
    keydir: is the oracle right both ways, must-pass tokens included (the
    fuzzing loop only sees what gets through)?"""
    perl, own, big = [], [], {}
    now = int(time.time())
    for n in range(count):
        g = Gen(random.Random('%s/jwe/%d' % (seed, n)), False)
        loc = g.rng.choice(['jwe', 'enc'])
        g.token(kind=wchoice(g.rng, JWE_KINDS), loc=loc)
        e = perl_token(g.tokens[0])
        tok = mint(keys, g.tokens[0], now)
        # a must-pass token may get 400 only when its header line could
        # outgrow nginx's 8 KB buffer (the Perl form's length differs a
        # little: a margin)
        big[id(g.tokens[0])] = len(tok) > 7000
        if e is not None:
            perl.append((loc, g.tokens[0], e))
        own.append((loc, g.tokens[0], perl_str(tok)))
    os.makedirs(keydir, exist_ok=True)
    for name, octs in (('jwe-dec.json', False), ('jwe-oct.json', True)):
        path = os.path.join(keydir, name)
        if os.path.exists(path):
            os.unlink(path)
        write_key_file(path, keys.jwe.file_text(oct_only=octs))
    echo = '    location /echo/ {\n        return 200 "ok";\n    }\n'
    conf = block_location('jwe') + block_location('enc') + echo
    own_conf = conf.replace('$TEST_NGINX_JWE_DIR/dec.json',
                            '$TEST_NGINX_FUZZ_JWE_DIR/jwe-dec.json').replace(
        '$TEST_NGINX_JWE_DIR/dec-oct.json',
        '$TEST_NGINX_FUZZ_JWE_DIR/jwe-oct.json')

    def block(title, conf, toks):
        return '\n'.join([
            title, '--- config', conf.rstrip('\n'),
            '--- request eval',
            '[%s]' % ', '.join('"GET %sfz%d"' % (LOCATIONS[l][0], i)
                               for i, (l, _, _) in enumerate(toks)),
            '--- more_headers eval', '[%s]' % ',\n'.join(
                '# %d: %s at %s\n"Authorization: Bearer " . (%s)' % (
                    i, token_name(r), LOCATIONS[l][0], e)
                for i, (l, r, e) in enumerate(toks)),
            '--- error_code_like eval',
            '[%s]' % ', '.join("qr/^%s$/" % (
                ('(200|400)' if big[id(r)] else '200')
                if token_passes(r, l) else '(400|401)')
                for l, r, _ in toks),
            '--- no_error_log', 'exited on signal', 'AddressSanitizer',
            'runtime error']) + '\n'
    text = block_file(
        block('=== TEST 1: fuzz-http JWE kinds in their Perl forms, seed %s'
              % seed, conf, perl) + '\n\n\n' +
        block('=== TEST 2: the same kinds as fuzz-http makes them (minted '
              'at %d, valid for an hour), seed %s' % (now, seed), own_conf,
              own), seed, 0, True)
    text = text.replace(
        'fuzz-http regression (tools/fuzz-http.py), seed %s, case 0.' % seed,
        'fuzz-http JWE kinds (tools/fuzz-http.py FUZZ_HTTP_JWE_KINDS), seed '
        '%s.' % seed, 1).replace(
        'jwe_setup();\n',
        'jwe_setup();\n\n# TEST 2\'s keys, beside this file\n'
        'use FindBin;\n$ENV{TEST_NGINX_FUZZ_JWE_DIR} = "$FindBin::Bin/%s";\n'
        % os.path.basename(keydir), 1)
    return (text, len(perl), sum(1 for l, r, _ in perl
                                 if token_passes(r, l)),
            len(own), sum(1 for l, r, _ in own if token_passes(r, l)))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def self_test():
    """The oracle and the parser on cases whose answer is known: a broken
    oracle checks nothing, so the run stops before it starts."""
    ok = []

    def check(what, cond):
        if not cond:
            ok.append(what)

    for name in ('access_token', 'ACCESS_TOKEN', ' access_token ',
                 'access.token', 'access%5Ftoken', 'access+token',
                 'access_token =x', '%61ccess_token=1', 'access token'):
        check('named %r' % name, named(name, 'access_token'))
    for name in ('access_tokens', 'xaccess_token', '"access_token"',
                 'access-token', 'token', 'access_token%2'):
        check('not named %r' % name, not named(name, 'access_token'))
    check('render list', render(['admin', 'user']) == b'admin,user')
    check('render comma', render(['user', 'team,admin']) is None)
    check('render crlf', render('a\r\nb') is None)
    check('render space', render(' admin') is None)
    check('render long', render('u' * 4097) is None)
    check('render empty list', render([]) == b'')
    check('bearer', is_bearer('Bearer x') and is_bearer('bearer\tx')
          and is_bearer('Bearer') and not is_bearer('Bearerx')
          and not is_bearer('Basic x'))
    recipes = [{'kind': 'valid', 'claims': {'roles': ['user']}},
               {'kind': 'forged', 'claims': {}}]
    toks = ['T0' * 40, 'T1' * 40]

    def req(loc, headers, query='', method='GET'):
        return {'loc': loc, 'method': method, 'version': '1.1',
                'path': LOCATIONS[loc][0], 'host': 'localhost',
                'headers': [[n, [['', v]], False] for n, v in headers],
                'query': [['', [query]]] if query else [], 'body': ''}

    def vd(r):
        return verdict(r, toks, recipes, False)[0]
    check('bearer admits', vd(req('users', [
        ('Authorization', ['Bearer ', ('tok', 0)])])) == 'admit')
    check('forged refused', vd(req('users', [
        ('Authorization', ['Bearer ', ('tok', 1)])])) == 'refuse')
    check('two methods refused', vd(req('users', [
        ('Authorization', ['Bearer ', ('tok', 0)])],
        'access_token=x')) == 'refuse')
    check('cookie admits at /app/', vd(req('app', [
        ('Cookie', ['a=1; access_token=', ('tok', 0)])])) == 'admit')
    check('two cookies refused', vd(req('app', [
        ('Cookie', ['access_token=', ('tok', 0), ',access.token=1'])]))
        == 'refuse')
    check('bearer at /app/ refused', vd(req('app', [
        ('Authorization', ['Bearer ', ('tok', 0)])])) == 'refuse')
    check('cookie at /api/ is no token', vd(req('users', [
        ('Authorization', ['Bearer ', ('tok', 0)]),
        ('Cookie', ['access_token=x'])])) == 'admit')
    check('orders POST needs admin', vd(req('orders', [
        ('Authorization', ['Bearer ', ('tok', 0)])], method='POST'))
        == 'refuse')
    check('two Authorization: 400', vd(req('users', [
        ('Authorization', ['Bearer ', ('tok', 0)]),
        ('authorization', ['Basic x'])])) == 'refuse')

    # JWE: which must pass where (jwe_passes' model)
    inner = {'kind': 'valid', 'claims': {}}
    good = {'iss': ISS, 'aud': AUD, 'iat': ('now', 0), 'exp': ('now', 60)}

    def jw(typ='nested', alg='dir', enc='A256GCM', key='oct32', **kw):
        j = {'type': typ, 'alg': alg, 'enc': enc, 'key': key}
        j.update(kw)
        rec = {'kind': 'jwe_x', 'jwe': j}
        if typ == 'nested':
            rec['inner'] = inner
        else:
            rec['claims'] = dict(good)
        return rec
    tp = token_passes
    check('jwe nested passes', tp(jw(), 'jwe'))
    check('jwe nested rsa', tp(jw(alg='RSA-OAEP-256', key='rsa'), 'jwe'))
    check('jwe nested at enc', not tp(jw(), 'enc'))
    check('jwe at signed', not tp(jw(), 'users') and
          not tp(jw('encrypted'), 'users'))
    check('jws at jwe', not tp(inner, 'jwe') and not tp(inner, 'enc'))
    check('jwe encrypted passes', tp(jw('encrypted'), 'enc'))
    check('jwe encrypted rsa at enc', not tp(jw('encrypted', 'RSA-OAEP',
                                               key='rsa'), 'enc'))
    check('jwe tag', not tp(jw(ops=[['flip', 4]]), 'jwe'))
    check('jwe other', not tp(jw(other=True), 'jwe'))
    check('jwe kid', not tp(jw(kid='nope'), 'jwe') and
          tp(jw(kid=None), 'jwe'))
    check('jwe dir length', not tp(jw(enc='A128GCM'), 'jwe'))
    check('jwe cty', not tp(jw(header={'cty': None}), 'jwe') and
          tp(jw(header={'cty': 'application/JWT'}), 'jwe') and
          not tp(jw('encrypted', header={'cty': 'jwt'}), 'enc'))
    check('jwe crit zip', not tp(jw(header={'crit': ['x']}), 'jwe') and
          not tp(jw(zip=True), 'jwe'))
    check('jwe rsa1_5', not tp(jw(alg='RSA1_5', key='rsa'), 'jwe'))
    bad_inner = jw()
    bad_inner['inner'] = {'kind': 'forged', 'claims': {}}
    check('jwe inner forged', not tp(bad_inner, 'jwe'))
    exp = jw('encrypted')
    exp['claims']['exp'] = ('now', -3600)
    check('jwe claims expired', not tp(exp, 'enc'))
    jws_in = jw('encrypted')
    jws_in['inner'] = inner
    check('jwe encrypted jws', not tp(jws_in, 'enc'))
    check('jwe key fits', jwe.key_fits('oct64', 'dir', 'A256CBC-HS512') and
          not jwe.key_fits('oct32', 'A128KW', 'A128GCM') and
          jwe.key_fits('x25519', 'ECDH-ES+A128KW', 'A128GCM'))
    check('concat kdf', jwe.concat_kdf(  # RFC 7518 appendix C
        bytes([158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191,
               132, 38, 156, 251, 49, 110, 163, 218, 128, 106, 72, 246,
               218, 167, 121, 140, 254, 144, 196]), 'A128GCM', 16,
        b'Alice', b'Bob') == bytes([86, 170, 141, 234, 248, 35, 109, 32,
                                    92, 34, 40, 205, 113, 167, 16, 26]))

    def parses(raw, method='GET', closed=False):
        try:
            return parse_h1(raw, 0, method, closed)
        except Malformed:
            return 'malformed'
    good = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    check('parse good', parses(good)[0]['body'] == b'ok')
    check('parse chunked', parses(
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
        b'2\r\nok\r\n0\r\n\r\n')[0]['body'] == b'ok')
    check('parse short', parses(good[:-1], closed=True) == 'malformed')
    check('parse split', parses(
        b'HTTP/1.1 200 OK\r\nX-User-Id: a\r\nContent-Length: 0\r\n\r\n')
        == 'malformed')
    check('parse status', parses(b'HTTP/1.1 2000 OK\r\n\r\n')
          == 'malformed')
    check('parse HEAD', parses(
        b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n', 'HEAD')[1]
        == 38)
    if ok:
        raise SystemExit('fuzz-http: self-test failed: %s' % '; '.join(ok))


def nginx_has_h2(binary):
    v = subprocess.run([binary, '-V'], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT).stdout.decode()
    return '--with-http_v2_module' in v, v.splitlines()[0] if v else '?'


def main():
    build = os.environ.get('BUILD', 'build')
    binary = os.environ.get('NGINX_BIN', '/usr/sbin/nginx')
    module = os.path.abspath(os.environ.get(
        'MODULE', os.path.join(build, 'ngx_http_auth_jwt_module.so')))
    seed = os.environ.get('FUZZ_HTTP_SEED') or str(
        random.SystemRandom().getrandbits(32))
    count = int(os.environ.get('FUZZ_HTTP_COUNT', '10000'))
    seconds = float(os.environ.get('FUZZ_HTTP_SECONDS', '150'))
    only = os.environ.get('FUZZ_HTTP_CASE')
    do_min = os.environ.get('FUZZ_HTTP_MINIMIZE', '1') != '0'
    max_fail = int(os.environ.get('FUZZ_HTTP_MAX_FAILURES', '20'))
    keep = os.environ.get('FUZZ_HTTP_KEEP') == '1'
    outdir = os.path.abspath(os.path.join(build, 'fuzz-http'))

    # workers are forked, not executed: they keep the master's options;
    # nginx's own allocations at exit are no finding of this tool
    os.environ.setdefault('ASAN_OPTIONS',
                          'detect_leaks=0:detect_odr_violation=0')
    self_test()
    for f in (module, binary):
        if not os.path.exists(f):
            sys.exit('fuzz-http: %s is missing (make module)' % f)
    if os.environ.get('FUZZ_HTTP_JWE_KINDS'):
        os.makedirs(outdir, exist_ok=True)
        text, n, ok, n2, ok2 = jwe_kinds_file(
            int(os.environ['FUZZ_HTTP_JWE_KINDS']), seed, Keys(),
            os.path.join(outdir, 'jwe-kinds-keys'))
        name = os.path.join(outdir, 'jwe-kinds.t')
        with open(name, 'w') as f:
            f.write(text)
        log('fuzz-http: %d JWE tokens (%d must pass) in their Perl forms, '
            '%d (%d) as fuzz-http makes them: %s (run it with prove within '
            'the hour)' % (n, ok, n2, ok2, os.path.relpath(name)))
        return 0
    h2_ok, version = nginx_has_h2(binary)
    h2_ok = h2_ok and HAVE_H2
    if not h2_ok:
        log('fuzz-http: no HTTP/2 (nginx without http_v2 or no python3-h2)')

    os.makedirs(outdir, exist_ok=True)
    d = os.path.join(outdir, 'run-%s' % seed)
    shutil.rmtree(d, ignore_errors=True)
    for sub in ('logs', 'tmp'):
        os.makedirs(os.path.join(d, sub))
    shutil.copy(module, os.path.join(d, 'ngx_http_auth_jwt_module.so'))

    if os.environ.get('FUZZ_HTTP_PORT'):
        b = int(os.environ['FUZZ_HTTP_PORT'])
        pl = list(range(b, b + 7))
    else:
        pl = free_ports(7)
    ports = dict(zip(('gw', 'h2', 'issuer', 'orders', 'users', 'spare1',
                      'spare2'), pl))

    log('fuzz-http: seed %s (FUZZ_HTTP_SEED=%s to repeat), %s cases, at '
        'most %g s; %s; %s' % (seed, seed, only and 'case ' + only or count,
                               seconds, version, binary))
    keys = Keys()
    echo = Echo(keys.jwks)
    # the JWE locations' decryption keys: 0600, read by nginx's workers
    # (user root when we are root, else ours)
    write_key_file(os.path.join(d, 'jwe-dec.json'), keys.jwe.file_text())
    write_key_file(os.path.join(d, 'jwe-oct.json'),
                   keys.jwe.file_text(oct_only=True))
    conf = os.path.join(d, 'nginx.conf')
    with open(conf, 'w') as f:
        f.write(nginx_conf(os.path.join(TOP, 'conf-examples',
                                        'gateway.conf'), d,
                           os.path.join(d, 'ngx_http_auth_jwt_module.so'),
                           ports, h2_ok))
    nginx = Nginx(binary, conf, d)
    failures = []
    rc = 0
    t0 = time.time()
    min_time = 0.0
    done = 0
    elapsed = 0.0
    runner = None

    def terminate(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, terminate)
    try:
        echo.start([('issuer', ports['issuer']), ('orders', ports['orders']),
                    ('users', ports['users'])])
        nginx.start(ports['gw'])
        runner = Runner(nginx, echo, keys, ports, h2_ok)
        # the first fetch of the keys (a cold start answers 503)
        warm = {'proto': '1.1', 'reqs': [], 'tokens': [{
            'kind': 'valid', 'alg': 'RS256', 'key': 'rsa1', 'kid': 'rsa1',
            'claims': {'jti': 'warm', 'iss': ISS, 'aud': AUD, 'sub': 'warm',
                       'iat': ('now', 0), 'exp': ('now', 3600)}}]}
        t = 0
        warm['reqs'].append({'loc': 'users', 'method': 'GET',
                             'version': '1.1', 'path': '/api/users/',
                             'host': 'localhost', 'query': [], 'body': '',
                             'headers': [['Authorization',
                                          [['', ['Bearer ', ('tok', t)]]],
                                          False]]})
        for _ in range(100):
            v = runner.run(warm, count=False)
            if v:
                raise SystemExit('fuzz-http: the first request fails: %r'
                                 % v)
            if runner.last_status == 200:
                break
            time.sleep(0.1)
        else:
            raise SystemExit('fuzz-http: a valid token never got 200')
        # the JWE locations take a valid token of their type
        for loc, typ, combo in (('jwe', 'nested', ('RSA-OAEP-256', 'A256GCM',
                                                   'rsa')),
                                ('enc', 'encrypted', ('dir', 'A256GCM',
                                                      'oct32'))):
            tok = {'kind': 'jwe_valid', 'jwe': {
                'type': typ, 'alg': combo[0], 'enc': combo[1],
                'key': combo[2]}}
            if typ == 'nested':
                tok['inner'] = warm['tokens'][0]
            else:
                tok['claims'] = warm['tokens'][0]['claims']
            w = {'proto': '1.1', 'tokens': [tok], 'reqs': [dict(
                warm['reqs'][0], loc=loc, path=LOCATIONS[loc][0])]}
            v = runner.run(w, count=False)
            if v or runner.last_status != 200:
                raise SystemExit('fuzz-http: a valid %s token at %s got %s: '
                                 '%r' % (typ, LOCATIONS[loc][0],
                                         runner.last_status, v))
        nginx.new_log()

        numbers = [int(only)] if only else range(count)
        first_of = {}
        t0 = time.time()
        for n in numbers:
            if time.time() - t0 - min_time > seconds:
                log('fuzz-http: time bound of %g s reached after %d cases'
                    % (seconds, done))
                break
            case = generate(seed, n, h2_ok)
            v = runner.run(case)
            done += 1
            if not v:
                continue
            rc = 1
            ks = kinds(v)
            log('\nfuzz-http: case %d FAILS (%s):' % (n, ', '.join(ks)))
            for k, text in v[:8]:
                log('    %s: %s' % (k, text))
            failures.append((n, ks))
            kind = ks[0] if 'crash' not in ks else 'crash'
            if kind not in first_of and do_min:
                first_of[kind] = n
                tm = time.time()
                small, tries = minimize(runner, case, kind)
                min_time += time.time() - tm
                vv = runner.run(small, settle=0.15, count=False)
                vk = [x for x in vv if x[0] == kind] or \
                    [x for x in v if x[0] == kind]
                blk = regression_block(small, kind, vk, seed, n)
                name = os.path.join(outdir, 'seed%s-case%d-%s.t'
                                    % (seed, n, kind))
                with open(name, 'w') as f:
                    f.write(block_file(blk, seed, n, uses_jwe(small)))
                log('fuzz-http: minimized in %d runs; Test::Nginx block '
                    '(saved as %s):\n' % (tries, os.path.relpath(name)))
                log(blk)
            if len(failures) >= max_fail:
                log('fuzz-http: %d failing cases, stopping' % len(failures))
                break
        elapsed = time.time() - t0 - min_time
    finally:
        nginx.stop()
        echo.stop()
    tail = nginx.new_log()
    for line in tail.splitlines():
        if DEATH.search(line):
            log('fuzz-http: at shutdown: %s' % line.strip()[:300])
            rc = 1
    st = runner.stats
    log('\nfuzz-http: seed %s: %d cases (%d requests) in %.1f s (%.1f '
        'cases/s; %.1f s more minimizing); %d requests admitted with '
        'identity (%d of %d plainly valid ones); statuses %s' % (
            seed, done, st['requests'], elapsed, done / max(elapsed, 1e-9),
            min_time,
            st['admitted'], st['canonical_admitted'], st['canonical'],
            ' '.join('%s:%d' % kv for kv in sorted(
                st['statuses'].items(), key=lambda kv: str(kv[0])))))
    log('fuzz-http: admitted by protocol: %s' % ' '.join(
        '%s:%d' % kv for kv in sorted(st['by_proto'].items())))
    log('fuzz-http: JWE: %d of %d cases (%.1f%%) with a JWE; %d requests to '
        '/api/jwe/ and /api/enc/, %d admitted (%d of %d plainly valid '
        'ones); JWE kinds %s' % (
            st['jwe_cases'], st['cases'],
            100.0 * st['jwe_cases'] / max(st['cases'], 1),
            st['jwe_requests'], st['jwe_admitted'],
            st['jwe_canonical_admitted'], st['jwe_canonical'],
            ' '.join('%s:%d' % (k[4:], v) for k, v in sorted(
                st['jwe_kinds'].items()))))
    if done and st['canonical'] >= 20 and \
            st['canonical_admitted'] < st['canonical'] // 4:
        log('fuzz-http: fewer than a quarter of the plainly valid requests '
            'got through: the fuzzer is not exercising the gateway')
        rc = 1
    if done and st['jwe_canonical'] >= 20 and \
            st['jwe_canonical_admitted'] < st['jwe_canonical'] // 4:
        log('fuzz-http: fewer than a quarter of the plainly valid JWE '
            'requests got through: the fuzzer is not exercising JWE')
        rc = 1
    if failures:
        byk = {}
        for n, ks in failures:
            for k in ks:
                byk.setdefault(k, []).append(n)
        for k, ns in sorted(byk.items()):
            log('fuzz-http: %-8s %d case(s): %s' % (
                k, len(ns), ' '.join(map(str, ns[:20]))))
        log('fuzz-http: FAILED (seed %s); repeat one case with '
            'FUZZ_HTTP_SEED=%s FUZZ_HTTP_CASE=N' % (seed, seed))
    else:
        log('fuzz-http: %d passed, 0 failed' % done)
    if rc == 0 and not keep:
        shutil.rmtree(d, ignore_errors=True)
    else:
        log('fuzz-http: logs and nginx.conf in %s' % os.path.relpath(d))
    return rc


if __name__ == '__main__':
    sys.exit(main())
