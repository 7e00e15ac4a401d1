"""Password, token and payload crypto helpers for the billing service."""

import hashlib
import hmac
import os
import random
import secrets

from Crypto.Cipher import AES, ARC4, DES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

API_SIGNING_KEY = b"0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # expect: hardcoded-secret
SIGNING_KEY = os.environ["BILLING_SIGNING_KEY"].encode()  # safe: hardcoded-secret
DB_PASSWORD = "hunter2-billing-prod"  # expect: hardcoded-secret
DB_PASSWORD_FILE = "/run/secrets/billing_db_password"  # safe: hardcoded-secret


def hash_password(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()  # expect: weak-crypto


def hash_password_sha1(password: str, salt: bytes) -> str:
    digest = hashlib.sha1(salt + password.encode())  # expect: weak-crypto
    return digest.hexdigest()


def hash_password_safe(password: str) -> bytes:
    salt = os.urandom(16)
    return salt + hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)  # safe: weak-crypto


def file_checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # safe: weak-crypto


def etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()  # safe: weak-crypto


def legacy_digest(data: bytes) -> str:
    h = hashlib.new("md4")  # expect: weak-crypto
    h.update(data)
    return h.hexdigest()


def sign(payload: bytes) -> str:
    return hmac.new(SIGNING_KEY, payload, hashlib.sha256).hexdigest()  # safe: weak-crypto


def encrypt_card(card: bytes, key: bytes) -> bytes:
    cipher = DES.new(key, DES.MODE_ECB)  # expect: weak-crypto
    return cipher.encrypt(card.ljust(16, b"\0"))


def encrypt_stream(data: bytes, key: bytes) -> bytes:
    return ARC4.new(key).encrypt(data)  # expect: weak-crypto


def encrypt_ecb(data: bytes, key: bytes) -> bytes:
    return AES.new(key, AES.MODE_ECB).encrypt(data)  # expect: weak-crypto


def encrypt_gcm(data: bytes, key: bytes) -> tuple[bytes, bytes, bytes]:
    cipher = AES.new(key, AES.MODE_GCM)  # safe: weak-crypto
    ct, tag = cipher.encrypt_and_digest(data)
    return cipher.nonce, ct, tag


def encrypt_hazmat_ecb(data: bytes, key: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # expect: weak-crypto
    return enc.update(data) + enc.finalize()


def encrypt_hazmat_ctr(data: bytes, key: bytes) -> bytes:
    nonce = os.urandom(16)
    enc = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()  # safe: weak-crypto
    return nonce + enc.update(data) + enc.finalize()


def new_signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # expect: weak-crypto


def new_signing_key_safe():
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)  # safe: weak-crypto


def fingerprint(pub: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA1())  # expect: weak-crypto
    h.update(pub)
    return h.finalize()


def new_api_key() -> str:
    return "%032x" % random.getrandbits(128)  # expect: insecure-random


def new_api_key_safe() -> str:
    return secrets.token_hex(16)  # safe: insecure-random


def new_iv() -> bytes:
    return bytes(random.randrange(256) for _ in range(16))  # expect: insecure-random


def shuffle_display_order(items: list) -> list:
    random.shuffle(items)  # safe: insecure-random
    return items


def nonce_seeded(seed: int) -> int:
    return random.Random(seed).getrandbits(64)  # expect: insecure-random
