"""TLS and mutual TLS for the gRPC port (server side) and for the SDK and CLI (client side).

Server: a certificate chain and private key (PEM) turn TLS on; a client CA bundle additionally turns on
mutual TLS, and then every client must present a certificate signed by that CA (the handshake fails
otherwise, before any RPC runs). The client certificate's subject CN becomes the caller's identity
(see streamvisor.api.auth).
"""
from __future__ import annotations

from pathlib import Path

import grpc

PemSource = str | Path | bytes | None


def read_pem(source: PemSource, what: str) -> bytes | None:
    """PEM bytes from bytes or a file path; None stays None."""
    if source is None or source == "":
        return None
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read {what} {source}: {e}") from None


def server_credentials(cert_file: PemSource, key_file: PemSource,
                       client_ca_file: PemSource = None) -> grpc.ServerCredentials:
    cert = read_pem(cert_file, "TLS certificate")
    key = read_pem(key_file, "TLS private key")
    if cert is None or key is None:
        raise ValueError("TLS needs both a certificate (--tls-cert) and its private key (--tls-key)")
    client_ca = read_pem(client_ca_file, "TLS client CA")
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=client_ca,
                                       require_client_auth=client_ca is not None)


def channel_credentials(ca_file: PemSource = None, cert_file: PemSource = None,
                        key_file: PemSource = None) -> grpc.ChannelCredentials:
    """Client side. Without a CA, the system's trust store verifies the server."""
    cert = read_pem(cert_file, "TLS client certificate")
    key = read_pem(key_file, "TLS client private key")
    if (cert is None) != (key is None):
        raise ValueError("a client certificate (--tls-cert) needs its private key (--tls-key), and vice versa")
    return grpc.ssl_channel_credentials(root_certificates=read_pem(ca_file, "TLS CA"), private_key=key,
                                        certificate_chain=cert)
