// t/interop/mint.mjs: sign, verify and encrypt tokens with the real Node
// libraries (jsonwebtoken, jose, @nestjs/jwt) for the interop suites, from
// the keys in t/data (and, to encrypt, the JWKs of the request).  The
// libraries come from build/npm (make interop-deps), or from the directory
// named by JWTGATE_NPM_DIR.
//
//   node t/interop/mint.mjs < requests.json > results.json
//
// The input is a JSON array of requests, the output an array of results,
// one for each, in order:
//
//   {"op":"sign", "lib":"jsonwebtoken"|"nestjs"|"jose", "alg":"RS256",
//    "key":"rsa1" (t/data/NAME.pem, or NAME.jwk's k for HS*),
//    "secret":"text" (HS*: this string instead of a key file),
//    "secret_b64u":"..." (HS*: these bytes, base64url, instead),
//    "payload":{...}, "header":{...} (members besides alg),
//    "options":{...} (jsonwebtoken's sign options, e.g. expiresIn)}
//      -> {"token":"..."} or {"error":"..."}
//
//   {"op":"verify", "lib":..., "token":"...", "alg":"RS256", "key":"rsa1"
//    (t/data/NAME.pub.pem, NAME.jwk for HS*), "secret":"text",
//    "jwks":"jwks-rsa1.json" (jose: a local key set instead of key;
//    a name in t/data or an absolute path),
//    "algorithms":[...], "audience":"..."|[...], "issuer":"...",
//    "leeway":seconds, "typ":"at+jwt" (jose), "require_exp":true|false}
//      -> {"ok":true} or {"ok":false, "error":"..."}
//
//   {"op":"encrypt", "lib":"jose", "alg":"RSA-OAEP-256", "enc":"A256GCM",
//    "jwk":{...} (the JWK it is encrypted to: a public RSA, EC or OKP key,
//    or an oct key), "password":"text" (PBES2*: instead of jwk),
//    "payload":{...} (the claims: EncryptJWT) | "plaintext":"text"
//    (CompactEncrypt), "header":{...} (protected members besides alg and
//    enc: kid, typ, zip, ...), "apu":"...", "apv":"..." (ECDH-ES*: the
//    PartyUInfo and PartyVInfo, base64url, given to jose, which puts them
//    in the header),
//    "sign":{"alg":"RS256", "key":"ec256" (t/data/NAME.pem),
//            "header":{...}, "payload":{...}}
//    (a nested token: SignJWT signs payload, CompactEncrypt encrypts the
//    JWS under cty "JWT")}
//      -> {"token":"..."} or {"error":"..."}
//
// Nothing here decides a test: the suites compare these answers with the
// gateway's, and write their expectations themselves.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const data = resolve(here, '..', 'data');
const npmDir = process.env.JWTGATE_NPM_DIR
    || resolve(here, '..', '..', 'build', 'npm');
const require = createRequire(join(npmDir, 'package.json'));

require('reflect-metadata');
const jsonwebtoken = require('jsonwebtoken');
const { JwtService } = require('@nestjs/jwt');
const jose = await import(pathToFileURL(require.resolve('jose')).href);

const text = (name) => readFileSync(resolve(data, name), 'utf8');

function hmacSecret(r) {
    if (r.secret !== undefined) {
        return Buffer.from(r.secret, 'utf8');
    }
    if (r.secret_b64u !== undefined) {
        return Buffer.from(r.secret_b64u, 'base64url');
    }
    const jwk = JSON.parse(text(`${r.key}.jwk`));
    return Buffer.from(jwk.k, 'base64url');
}

// the key of a request: [form for jsonwebtoken/nestjs, form for jose]
async function signingKey(r) {
    if (r.alg.startsWith('HS')) {
        const s = hmacSecret(r);
        return [r.secret !== undefined ? r.secret : s, new Uint8Array(s)];
    }
    const pem = text(`${r.key}.pem`);
    return [pem, await jose.importPKCS8(pem, r.alg)];
}

async function verifyKey(r) {
    if (r.alg.startsWith('HS')) {
        const s = hmacSecret(r);
        return [r.secret !== undefined ? r.secret : s, new Uint8Array(s)];
    }
    const pem = text(`${r.key}.pub.pem`);
    return [pem, await jose.importSPKI(pem, r.alg)];
}

async function sign(r) {
    const [key, joseKey] = await signingKey(r);
    const header = r.header || {};
    const options = { ...(r.options || {}), algorithm: r.alg };

    if (r.lib === 'jsonwebtoken') {
        return jsonwebtoken.sign(r.payload, key,
                                 { ...options, header: { ...header, alg: r.alg } });
    }
    if (r.lib === 'nestjs') {
        const svc = r.alg.startsWith('HS')
            ? new JwtService({ secret: key })
            : new JwtService({ privateKey: key });
        return svc.sign(r.payload, { ...options, header: { ...header, alg: r.alg } });
    }
    if (r.lib === 'jose') {
        return await new jose.SignJWT(r.payload)
            .setProtectedHeader({ ...header, alg: r.alg })
            .sign(joseKey);
    }
    throw new Error(`unknown lib ${r.lib}`);
}

async function verify(r) {
    const algorithms = r.algorithms || [r.alg];
    const leeway = r.leeway || 0;

    if (r.lib === 'jose') {
        const key = r.jwks
            ? jose.createLocalJWKSet(JSON.parse(text(r.jwks)))
            : (await verifyKey(r))[1];
        const o = { algorithms, clockTolerance: leeway };
        if (r.audience !== undefined) o.audience = r.audience;
        if (r.issuer !== undefined) o.issuer = r.issuer;
        if (r.typ !== undefined) o.typ = r.typ;
        if (r.require_exp) o.requiredClaims = ['exp'];
        await jose.jwtVerify(r.token, key, o);
        return;
    }

    const [key] = await verifyKey(r);
    const o = { algorithms, clockTolerance: leeway };
    if (r.audience !== undefined) o.audience = r.audience;
    if (r.issuer !== undefined) o.issuer = r.issuer;

    // neither jsonwebtoken nor @nestjs/jwt has an option that requires
    // exp: require_exp is left to them, as a user of them gets it
    if (r.lib === 'jsonwebtoken') {
        jsonwebtoken.verify(r.token, key, o);
    } else if (r.lib === 'nestjs') {
        const svc = new JwtService({});
        svc.verify(r.token, r.alg.startsWith('HS') ? { ...o, secret: key }
                                                   : { ...o, publicKey: key });
    } else {
        throw new Error(`unknown lib ${r.lib}`);
    }
}

// the JWE of an encrypt request (jose only: jsonwebtoken and @nestjs/jwt
// have no JWE)
async function encrypt(r) {
    if (r.lib !== 'jose') {
        throw new Error(`encrypt: ${r.lib} has no JWE`);
    }
    const key = r.password !== undefined
        ? new TextEncoder().encode(r.password)
        : await jose.importJWK(r.jwk, r.alg);
    const header = { ...(r.header || {}), alg: r.alg, enc: r.enc };
    const kmp = {};
    for (const p of ['apu', 'apv']) {
        if (r[p] !== undefined) kmp[p] = Buffer.from(r[p], 'base64url');
    }
    const kmpSet = (o) => Object.keys(kmp).length
        ? o.setKeyManagementParameters(kmp) : o;

    if (r.sign) {
        const s = r.sign;
        const jws = await new jose.SignJWT(s.payload)
            .setProtectedHeader({ ...(s.header || {}), alg: s.alg })
            .sign(await jose.importPKCS8(text(`${s.key}.pem`), s.alg));
        return await kmpSet(new jose.CompactEncrypt(
                new TextEncoder().encode(jws))
            .setProtectedHeader({ cty: 'JWT', ...header }))
            .encrypt(key);
    }
    if (r.plaintext !== undefined) {
        return await kmpSet(new jose.CompactEncrypt(
                new TextEncoder().encode(r.plaintext))
            .setProtectedHeader(header))
            .encrypt(key);
    }
    return await kmpSet(new jose.EncryptJWT(r.payload)
        .setProtectedHeader(header))
        .encrypt(key);
}

const requests = JSON.parse(readFileSync(0, 'utf8'));
const results = [];

for (const r of requests) {
    try {
        if (r.op === 'sign') {
            results.push({ token: await sign(r) });
        } else if (r.op === 'encrypt') {
            results.push({ token: await encrypt(r) });
        } else if (r.op === 'verify') {
            await verify(r);
            results.push({ ok: true });
        } else {
            results.push({ error: `unknown op ${r.op}` });
        }
    } catch (e) {
        const msg = `${e.code ? e.code + ': ' : ''}${e.message}`;
        results.push(r.op === 'verify' ? { ok: false, error: msg }
                                       : { error: msg });
    }
}

process.stdout.write(JSON.stringify(results) + '\n');
