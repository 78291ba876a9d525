"""Encrypting values at rest with the service's KMS key (status tokens, project environment secrets)."""

from __future__ import annotations

import base64

from ..aws import client
from ..settings import get_settings


def encrypt(plaintext: str, context: str) -> str:
    response = client("kms").encrypt(
        KeyId=get_settings().kms_key_id,
        Plaintext=plaintext.encode(),
        EncryptionContext={"switchyard": context},
    )
    return base64.b64encode(response["CiphertextBlob"]).decode()


def decrypt(ciphertext: str, context: str) -> str:
    response = client("kms").decrypt(
        CiphertextBlob=base64.b64decode(ciphertext), EncryptionContext={"switchyard": context}
    )
    return response["Plaintext"].decode()
