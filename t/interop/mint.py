#!/usr/bin/python3
"""t/interop/mint.py: sign and verify tokens with PyJWT (Debian's
python3-jwt, with python3-cryptography) for the interop suites, from the
keys in t/data.

    /usr/bin/python3 t/interop/mint.py < requests.json > results.json

The same protocol as t/interop/mint.mjs: a JSON array of requests in, an
array of results out, in order.

    {"op": "sign", "alg": "RS256", "key": "rsa1" (t/data/NAME.pem, or
     NAME.jwk's k for HS*), "secret": "text" (HS*: this string instead),
     "secret_b64u": "..." (HS*: these bytes, base64url),
     "payload": {...}, "header": {...}}
        -> {"token": "..."} or {"error": "..."}

    {"op": "verify", "token": "...", "alg": "RS256", "key": "rsa1"
     (t/data/NAME.pub.pem, NAME.jwk for HS*), "secret": "text",
     "algorithms": [...], "audience": "..." | [...], "issuer": "...",
     "leeway": seconds, "require_exp": true | false}
        -> {"ok": true} or {"ok": false, "error": "..."}

Nothing here decides a test: the suites compare these answers with the
gateway's, and write their expectations themselves.
"""

import base64
import json
import os
import sys

import jwt

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data')


def text(name):
    with open(os.path.join(DATA, name), 'rb') as f:
        return f.read()


def hmac_secret(r):
    if 'secret' in r:
        return r['secret'].encode('utf-8')
    if 'secret_b64u' in r:
        return b64u_decode(r['secret_b64u'])
    return b64u_decode(json.loads(text(r['key'] + '.jwk'))['k'])


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def sign(r):
    alg = r['alg']
    key = hmac_secret(r) if alg.startswith('HS') else text(r['key'] + '.pem')
    return jwt.encode(r['payload'], key, algorithm=alg,
                      headers=r.get('header') or None)


def verify(r):
    alg = r['alg']
    if alg.startswith('HS'):
        key = hmac_secret(r)
    else:
        key = text(r['key'] + '.pub.pem')
    options = {'require': ['exp']} if r.get('require_exp') else {}
    kw = {}
    if 'audience' in r:
        kw['audience'] = r['audience']
    else:
        # without an audience to check, PyJWT refuses every token that has
        # one; the gateway (and the other libraries) ignore aud then
        options['verify_aud'] = False
    if 'issuer' in r:
        kw['issuer'] = r['issuer']
    jwt.decode(r['token'], key, algorithms=r.get('algorithms') or [alg],
               leeway=r.get('leeway', 0), options=options, **kw)


def main():
    results = []
    for r in json.load(sys.stdin):
        try:
            if r.get('op') == 'sign':
                results.append({'token': sign(r)})
            elif r.get('op') == 'verify':
                verify(r)
                results.append({'ok': True})
            else:
                results.append({'error': 'unknown op %r' % r.get('op')})
        except Exception as e:  # every refusal is an answer, not a crash
            msg = '%s: %s' % (type(e).__name__, e)
            results.append({'ok': False, 'error': msg}
                           if r.get('op') == 'verify' else {'error': msg})
    sys.stdout.write(json.dumps(results) + '\n')


if __name__ == '__main__':
    main()
