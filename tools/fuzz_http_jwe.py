"""JWE for tools/fuzz-http.py: compact JWEs (RFC 7516) minted here from
python3-cryptography's primitives, by hand (RFC 7518: AES key wrap, AES-GCM
key wrap, RSA-OAEP, ECDH-ES with the Concat KDF of 4.6.2, AES-CBC with
HMAC of 5.2), an implementation independent of the module's; and the same
token kinds written as Perl expressions over t/lib/JWTGate/Jwe.pm for the
Test::Nginx block of a failing case.

A JWE recipe (the 'jwe' member of a token recipe of tools/fuzz-http.py):

  type     'nested' (plaintext: the inner JWS of the token recipe's
           'inner') or 'encrypted' (plaintext: the recipe's claims, or
           'plain' when set)
  alg enc  key management and content encryption
  key      the name of the key it is encrypted to: a kid of
           t/data/jwe-keys.json, which is also a key name of Jwe.pm
           (rsa, p256, p384, p521, x25519, oct16 .. oct64)
  kid      the kid header ('=' for the key's name, None for none)
  other    encrypted to another key of that name (one nginx has not)
  header   more protected header members (cty, crit, zip, typ); a None
           value removes the member (cty of a nested token)
  zip      the plaintext deflated (header zip DEF)
  dup      [name, value, first]: the member written twice (encrypt())
  plain    for 'encrypted': these bytes (text) instead of the claims
  ops      what is done to the token after it is made, in order:
             ['flip', i]          the last byte of part i, low bit flipped
             ['bytes', i, n]      part i replaced by n bytes 0x5a
             ['raw', i, text]     part i replaced by text as it is
             ['drop', i]          part i removed (4 parts)
             ['add', text]        '.' + text appended (6 parts)
             ['cut', n]           the last n characters removed
             ['hdr', edits]       the protected header decoded, edited,
                                  encoded again (the AAD no longer
                                  matches; what must refuse it comes
                                  first: the alg, the epk):
                                  ['set', path, value], ['del', path],
                                  ['flip', path] (a base64url member's
                                  last byte), ['pre0', path] (a zero
                                  byte put before it)
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import zlib

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as apadding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap


ENC_LEN = {'A128CBC-HS256': 32, 'A192CBC-HS384': 48, 'A256CBC-HS512': 64,
           'A128GCM': 16, 'A192GCM': 24, 'A256GCM': 32}
ALGS = ('RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512',
        'A128KW', 'A192KW', 'A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW',
        'dir', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW',
        'ECDH-ES+A256KW')
EC_KEYS = {'p256': 'P-256', 'p384': 'P-384', 'p521': 'P-521'}
CURVES = {'P-256': (ec.SECP256R1, 32), 'P-384': (ec.SECP384R1, 48),
          'P-521': (ec.SECP521R1, 66)}
OAEP_HASH = {'RSA-OAEP': hashes.SHA1, 'RSA-OAEP-256': hashes.SHA256,
             'RSA-OAEP-384': hashes.SHA384, 'RSA-OAEP-512': hashes.SHA512}


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def _int(s):
    return int.from_bytes(b64u_dec(s), 'big')


def _generator(crv):
    """The curve's base point as an epk JWK (the public key of d = 1)."""
    if crv == 'X25519':
        return {'kty': 'OKP', 'crv': 'X25519', 'x': b64u(b'\x09' + b'\0' * 31)}
    curve, size = CURVES[crv]
    n = ec.derive_private_key(1, curve()).public_key().public_numbers()
    return {'kty': 'EC', 'crv': crv, 'x': b64u(n.x.to_bytes(size, 'big')),
            'y': b64u(n.y.to_bytes(size, 'big'))}


GENERATORS = {c: _generator(c) for c in ('P-256', 'P-384', 'X25519')}


def key_fits(name, alg, enc):
    """Whether key name can be the key of alg and enc (RFC 7518's sizes;
    docs/DIRECTIVES.md auth_jwt_type's table)."""
    if alg.startswith('RSA-OAEP'):
        return name == 'rsa'
    if alg.startswith('ECDH-ES'):
        return name in EC_KEYS or name == 'x25519'
    if not name.startswith('oct'):
        return False
    n = int(name[3:])
    if alg == 'dir':
        return enc in ENC_LEN and ENC_LEN[enc] == n
    if alg in ALGS and alg[0] == 'A':
        return int(alg[1:4]) // 8 == n
    return False


class JweKeys:
    """The decryption keys nginx has (t/data/jwe-keys.json) as public
    keys and secrets, and others of the same names that it has not."""

    def __init__(self, data):
        with open(os.path.join(data, 'jwe-keys.json'), 'rb') as f:
            self.text = f.read()
        self.jwks = json.loads(self.text)['keys']
        self.mine = {}
        for k in self.jwks:
            kid = k['kid']
            if k['kty'] == 'oct':
                self.mine[kid] = b64u_dec(k['k'])
            elif k['kty'] == 'RSA':
                self.mine[kid] = rsa.RSAPublicNumbers(
                    _int(k['e']), _int(k['n'])).public_key()
            elif k['kty'] == 'EC':
                self.mine[kid] = ec.EllipticCurvePublicNumbers(
                    _int(k['x']), _int(k['y']),
                    CURVES[k['crv']][0]()).public_key()
            elif k['kty'] == 'OKP' and k['crv'] == 'X25519':
                self.mine[kid] = x25519.X25519PublicKey.from_public_bytes(
                    b64u_dec(k['x']))

        def pem(name):
            with open(os.path.join(data, name), 'rb') as f:
                return serialization.load_pem_private_key(
                    f.read(), None).public_key()
        self.other = {'rsa': pem('rsa2.pem'), 'p256': pem('ec256.pem'),
                      'p384': pem('ec384.pem'), 'p521': pem('ec521.pem'),
                      'x25519': x25519.X25519PrivateKey.from_private_bytes(
                          hashlib.sha256(b'fuzz-http other').digest())
                      .public_key()}
        for kid, v in self.mine.items():
            if isinstance(v, bytes):
                self.other[kid] = hashlib.sha512(
                    b'fuzz-http other ' + kid.encode()).digest()[:len(v)]
    def names(self, oct_only=False):
        return sorted(k for k in self.mine
                      if not oct_only or k.startswith('oct'))

    def file_text(self, oct_only=False):
        # every key "use": "enc": a private key without it is a signature
        # key too, which nginx -t refuses at a nested level (one key in
        # both roles)
        keys = [dict(k, use='enc') for k in self.jwks
                if not oct_only or k['kty'] == 'oct']
        return json.dumps({'keys': keys}, indent=1).encode()


def concat_kdf(z, alg_id, length, apu=b'', apv=b''):
    """RFC 7518 4.6.2 (NIST SP 800-56A Concat KDF, SHA-256)."""
    other = (struct.pack('>I', len(alg_id)) + alg_id.encode()
             + struct.pack('>I', len(apu)) + apu
             + struct.pack('>I', len(apv)) + apv
             + struct.pack('>I', length * 8))
    out = b''
    i = 1
    while len(out) < length:
        out += hashlib.sha256(struct.pack('>I', i) + z + other).digest()
        i += 1
    return out[:length]


def _epk(pub):
    """An ephemeral key on pub's curve: (private, its JWK)."""
    if isinstance(pub, x25519.X25519PublicKey):
        e = x25519.X25519PrivateKey.generate()
        raw = e.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)
        return e, {'kty': 'OKP', 'crv': 'X25519', 'x': b64u(raw)}
    e = ec.generate_private_key(pub.curve)
    n = e.public_key().public_numbers()
    crv = {'secp256r1': 'P-256', 'secp384r1': 'P-384',
           'secp521r1': 'P-521'}[pub.curve.name]
    size = CURVES[crv][1]
    return e, {'kty': 'EC', 'crv': crv, 'x': b64u(n.x.to_bytes(size, 'big')),
               'y': b64u(n.y.to_bytes(size, 'big'))}


def _content(enc, cek, aad, plain):
    """RFC 7518 5.2 (AES-CBC + HMAC) and 5.3 (AES-GCM): iv, ct, tag."""
    if enc.endswith('GCM'):
        iv = os.urandom(12)
        out = AESGCM(cek).encrypt(iv, plain, aad)
        return iv, out[:-16], out[-16:]
    half = len(cek) // 2
    mac_key, enc_key = cek[:half], cek[half:]
    iv = os.urandom(16)
    p = padding.PKCS7(128).padder()
    data = p.update(plain) + p.finalize()
    e = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ct = e.update(data) + e.finalize()
    al = struct.pack('>Q', len(aad) * 8)
    h = {32: hashlib.sha256, 48: hashlib.sha384, 64: hashlib.sha512}[len(cek)]
    tag = hmac.new(mac_key, aad + iv + ct + al, h).digest()[:half]
    return iv, ct, tag


def encrypt(plain, alg, enc, key, hdr, dup=None):
    """A compact JWE of plain (bytes) to key (a public key or a secret),
    hdr holding the other protected header members.  alg RSA1_5 too (a
    token the gateway must refuse, made as it would be made).  dup:
    [name, value, first] writes the member a second time with value,
    before the others or after them, into the protected header (and so
    the AAD): a reader taking either copy would decrypt it."""
    hdr = dict(hdr)
    hdr['alg'] = alg
    hdr['enc'] = enc
    n = ENC_LEN[enc]
    if alg == 'dir':
        cek, ek = key, b''
    elif alg.startswith('ECDH-ES'):
        e, hdr['epk'] = _epk(key)
        if isinstance(key, x25519.X25519PublicKey):
            z = e.exchange(key)
        else:
            z = e.exchange(ec.ECDH(), key)
        # PartyUInfo, PartyVInfo: the header's apu, apv decoded
        apu, apv = (b64u_dec(hdr.get(k, '')) for k in ('apu', 'apv'))
        if alg == 'ECDH-ES':
            cek, ek = concat_kdf(z, enc, n, apu, apv), b''
        else:
            kek = concat_kdf(z, alg, int(alg[9:12]) // 8, apu, apv)
            cek = os.urandom(n)
            ek = aes_key_wrap(kek, cek)
    elif alg.startswith('RSA-OAEP'):
        h = OAEP_HASH[alg]
        cek = os.urandom(n)
        ek = key.encrypt(cek, apadding.OAEP(apadding.MGF1(h()), h(), None))
    elif alg == 'RSA1_5':
        cek = os.urandom(n)
        ek = key.encrypt(cek, apadding.PKCS1v15())
    elif alg.endswith('GCMKW'):
        cek = os.urandom(n)
        kiv = os.urandom(12)
        out = AESGCM(key).encrypt(kiv, cek, None)
        ek = out[:-16]
        hdr['iv'] = b64u(kiv)
        hdr['tag'] = b64u(out[-16:])
    elif alg.endswith('KW'):
        cek = os.urandom(n)
        ek = aes_key_wrap(key, cek)
    else:
        raise ValueError('fuzz-http: no way to make alg %r' % alg)
    text = json.dumps(hdr, separators=(',', ':'))
    if dup:
        m = json.dumps({dup[0]: dup[1]}, separators=(',', ':'))[1:-1]
        text = '{' + m + ',' + text[1:] if dup[2] else \
            text[:-1] + ',' + m + '}'
    h64 = b64u(text.encode())
    iv, ct, tag = _content(enc, cek, h64.encode('ascii'), plain)
    return '.'.join([h64, b64u(ek), b64u(iv), b64u(ct), b64u(tag)])


def _deflate(b):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(b) + c.flush()


def _hdr_edit(h, edit):
    op, path = edit[0], edit[1]
    obj = h
    for k in path[:-1]:
        if not isinstance(obj.get(k), dict):
            return
        obj = obj[k]
    last = path[-1]
    if op == 'set':
        obj[last] = edit[2]
    elif op == 'del':
        obj.pop(last, None)
    elif op in ('flip', 'pre0') and isinstance(obj.get(last), str):
        b = bytearray(b64u_dec(obj[last]))
        if op == 'flip' and b:
            b[-1] ^= 1
        elif op == 'pre0':
            b[0:0] = b'\0'
        obj[last] = b64u(bytes(b))


def post(tok, ops):
    """The token after the recipe's ops."""
    for op in ops:
        p = tok.split('.')
        k = op[0]
        if k == 'flip':
            b = bytearray(b64u_dec(p[op[1]]))
            if b:
                b[-1] ^= 1
            p[op[1]] = b64u(bytes(b))
        elif k == 'bytes':
            p[op[1]] = b64u(b'\x5a' * op[2])
        elif k == 'raw':
            p[op[1]] = op[2]
        elif k == 'drop':
            del p[op[1]]
        elif k == 'add':
            p.append(op[1])
        elif k == 'cut':
            tok = tok[:len(tok) - op[1]]
            continue
        elif k == 'hdr':
            h = json.loads(b64u_dec(p[0]))
            for e in op[1]:
                _hdr_edit(h, e)
            p[0] = b64u(json.dumps(h, separators=(',', ':')).encode())
        tok = '.'.join(p)
    return tok


def mint(keys, j, plain):
    """The token of a JWE recipe j around plain (text)."""
    hdr = {}
    if j['type'] == 'nested':
        hdr['cty'] = 'JWT'
    for k, v in (j.get('header') or {}).items():
        if v is None:
            hdr.pop(k, None)
        else:
            hdr[k] = v
    kid = j.get('kid', '=')
    if kid == '=':
        kid = j['key']
    if kid is not None:
        hdr['kid'] = kid
    b = plain.encode('utf-8')
    if j.get('zip'):
        hdr['zip'] = 'DEF'
        b = _deflate(b)
    key = (keys.other if j.get('other') else keys.mine)[j['key']]
    return post(encrypt(b, j['alg'], j['enc'], key, hdr, j.get('dup')),
                j.get('ops', []))


# ---------------------------------------------------------------------------
# the same kinds in Perl, over t/lib/JWTGate/Jwe.pm
# ---------------------------------------------------------------------------

def perl_jwe(j, inner_expr, claims_arg, perl_str, perl_value):
    """A Perl expression making a token of the recipe's kind (the bytes
    differ: encryption is randomized), or None when Jwe.pm cannot make
    it.  inner_expr: the inner token's expression (nested); claims_arg:
    jwe()'s argument for the claims (encrypted)."""
    if (j['alg'] not in ALGS and j['alg'] != 'RSA1_5') or j.get('dup'):
        return None                 # Jwe.pm writes no member twice
    header = dict(j.get('header') or {})
    if 'apu' in header or 'apv' in header:
        # jwe() has no apu: JweMint's ecdh_jwe() (apu only, nested only)
        if 'apv' in header or j['type'] != 'nested' or j.get('other') or \
                j.get('kid', '=') != '=' or set(header) != {'apu'}:
            return None
        e = ('JWTGate::JweMint::ecdh_jwe(%s, JWTGate::Jwe::_public('
             '$JWTGate::Jwe::KEYS{mine}{%s}), %s, %s, {kid => %s, cty => '
             "'JWT'}, %s)" % (inner_expr, perl_str(j['key']),
                              perl_str(j['alg']), perl_str(j['enc']),
                              perl_str(j['key']),
                              perl_str(b64u_dec(header['apu']).decode(
                                  'latin-1'))))
        return _perl_ops(e, j, perl_str, perl_value)
    args = []
    if j['type'] == 'nested':
        args.append('inner => %s' % inner_expr)
    elif inner_expr is not None:
        args.append('plain => %s' % inner_expr)
    elif j.get('plain') is not None:
        args.append('plain => %s' % perl_str(j['plain']))
    else:
        args.append(claims_arg)
    args.append("alg => '%s', enc => '%s', key => '%s'" % (
        j['alg'], j['enc'], j['key']))
    kid = j.get('kid', '=')
    if kid is None:
        args.append('kid => undef')
    elif kid != '=':
        args.append('kid => %s' % perl_str(kid))
    if j.get('other'):
        args.append('other => 1')
    if j.get('zip'):
        # Crypt::JWT deflates (Jwe.pm's own branches, RSA-OAEP-384/512
        # and ECDH-ES, do not): the generator keeps zip to the others
        if j['alg'].startswith(('ECDH', 'RSA-OAEP-384', 'RSA-OAEP-512')):
            return None
        args.append("zip => 'deflate'")
    if header:
        if j['type'] != 'nested' and any(v is None for v in header.values()):
            return None
        args.append('header => {%s}' % ', '.join(
            '%s => %s' % (perl_str(k), 'undef' if v is None
                          else perl_value(v)) for k, v in header.items()))
    e = '%s(%s)' % ('nested' if j['type'] == 'nested' else 'jwe',
                    ', '.join(args))
    return _perl_ops(e, j, perl_str, perl_value)


def _perl_ops(e, j, perl_str, perl_value):
    """e with the recipe's ops done to it, in Perl."""
    for op in j.get('ops', []):
        k = op[0]
        if k == 'flip':
            e = 'jwe_flip(%s, %d)' % (e, op[1])
        elif k == 'bytes':
            e = 'jwe_part(%s, %d, "\\x5a" x %d)' % (e, op[1], op[2])
        elif k == 'raw':
            e = ('do { my @p = CORE::split(/\\./, %s, -1); $p[%d] = %s; '
                 "CORE::join('.', @p) }" % (e, op[1], perl_str(op[2])))
        elif k == 'drop':
            e = ("do { my @p = CORE::split(/\\./, %s, -1); splice @p, %d, 1; "
                 "CORE::join('.', @p) }" % (e, op[1]))
        elif k == 'add':
            e = '%s . %s' % (e, perl_str('.' + op[1]))
        elif k == 'cut':
            e = 'do { my $t = %s; substr($t, 0, length($t) - %d) }' % (
                e, op[1])
        elif k == 'hdr':
            lines = []
            for ed in op[1]:
                ref = '$h' + ''.join('->{%s}' % perl_str(x) if i == 0
                                     else '{%s}' % perl_str(x)
                                     for i, x in enumerate(ed[1]))
                if ed[0] == 'set':
                    lines.append('%s = %s;' % (ref, 'undef' if ed[2] is None
                                               else perl_value(ed[2])))
                elif ed[0] == 'del':
                    lines.append('delete %s;' % ref)
                elif ed[0] == 'flip':
                    lines.append('{ my $b = JWTGate::Token::b64u_decode(%s);'
                                 ' substr($b, -1, 1) ^= "\\x01"; %s = '
                                 'JWTGate::Token::b64u($b); }' % (ref, ref))
                elif ed[0] == 'pre0':
                    lines.append('%s = JWTGate::Token::b64u("\\0" . '
                                 'JWTGate::Token::b64u_decode(%s));'
                                 % (ref, ref))
            e = ('do { my @p = CORE::split(/\\./, %s, -1); '
                 'my $h = JSON::PP->new'
                 '->decode(JWTGate::Token::b64u_decode($p[0])); %s '
                 '$p[0] = JWTGate::Token::b64u(JSON::PP->new->canonical'
                 "->encode($h)); CORE::join('.', @p) }" % (e, ' '.join(lines)))
    return e
