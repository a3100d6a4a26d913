#!/usr/bin/python3
"""t/interop/mint-jwe.py: encrypted and nested tokens (JWE, RFC 7516
compact) made by jwcrypto (Debian's python3-jwcrypto) for the interop
suites.  PyJWT has no JWE: this is the Python issuer's side of them.

    /usr/bin/python3 t/interop/mint-jwe.py < requests.json > results.json

The protocol of t/interop/mint.py and t/interop/mint.mjs: a JSON array of
requests in, an array of results out, in order.

    {"op": "encrypt", "lib": "jwcrypto", "alg": "RSA-OAEP-256",
     "enc": "A256GCM",
     "jwk": {...} (the JWK it is encrypted to: a public RSA, EC or OKP key,
     or an oct key), "password": "text" (PBES2*: instead of jwk),
     "payload": {...} (the claims: jwcrypto.jwt.JWT) | "plaintext": "text"
     (jwcrypto.jwe.JWE), "header": {...} (protected members besides alg
     and enc: kid, typ, zip, ...), "apu": "...", "apv": "..." (ECDH-ES*:
     the PartyUInfo and PartyVInfo, base64url, put in the header, where
     jwcrypto takes them from),
     "sign": {"alg": "RS256", "key": "ec256" (t/data/NAME.pem),
              "header": {...}, "payload": {...}}
     (a nested token: the JWT signed with that key, then encrypted under
     cty "JWT")}
        -> {"token": "..."} or {"error": "..."}

jwcrypto refuses to make RSA1_5 unless it is named in the token's allowed
algorithms (its default list leaves it out); "RSA1_5" as alg names it.
Nothing here decides a test: the suites write their expectations
themselves.
"""

import json
import os
import sys

from jwcrypto import jwe, jwk, jwt

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data')


def text(name):
    with open(os.path.join(DATA, name), 'rb') as f:
        return f.read()


def allowed(alg, enc):
    algs = list(jwe.default_allowed_algs)
    for a in (alg, enc):
        if a not in algs:
            algs.append(a)
    return algs


def encrypt(r):
    if r.get('lib') != 'jwcrypto':
        raise ValueError('encrypt: no JWE in %r' % r.get('lib'))
    alg, enc = r['alg'], r['enc']
    if 'password' in r:
        key = jwk.JWK.from_password(r['password'])
    else:
        key = jwk.JWK(**r['jwk'])
    header = dict(r.get('header') or {})
    header.update(alg=alg, enc=enc)
    for p in ('apu', 'apv'):
        if p in r:
            header[p] = r[p]

    if 'sign' in r:
        s = r['sign']
        inner = jwt.JWT(header=dict(s.get('header') or {}, alg=s['alg']),
                        claims=s['payload'])
        inner.make_signed_token(jwk.JWK.from_pem(text(s['key'] + '.pem')))
        header.setdefault('cty', 'JWT')
        outer = jwt.JWT(header=header, claims=inner.serialize(),
                        algs=allowed(alg, enc))
        outer.make_encrypted_token(key)
        return outer.serialize()

    if 'plaintext' in r:
        t = jwe.JWE(r['plaintext'].encode('utf-8'), json.dumps(header),
                    algs=allowed(alg, enc))
        t.add_recipient(key)
        return t.serialize(compact=True)

    t = jwt.JWT(header=header, claims=r['payload'], algs=allowed(alg, enc))
    t.make_encrypted_token(key)
    return t.serialize()


def main():
    results = []
    for r in json.load(sys.stdin):
        try:
            if r.get('op') == 'encrypt':
                results.append({'token': encrypt(r)})
            else:
                results.append({'error': 'unknown op %r' % r.get('op')})
        except Exception as e:  # every refusal is an answer, not a crash
            results.append({'error': '%s: %s' % (type(e).__name__, e)})
    sys.stdout.write(json.dumps(results) + '\n')


if __name__ == '__main__':
    main()
