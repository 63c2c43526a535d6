#!/usr/bin/env python3
"""Mints HS256 tokens the way `cinema token` does, many at once, for bench/run's enforce-mode runs.

  tokens.py --secret-file DATA/security/jwt.secret --role manager --sub bench-manager
      prints one token
  tokens.py --secret-file F --role customer --prefix b123- --count 80000
      prints one token per line, line k (from 0) for customer "b123-k"

`cinema token` would take one process per token; a reserve run needs tens of thousands, one per
customer, so that each request brings a token the services have not verified before.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def mint(key, header, role, subject, now, ttl, issuer, audience):
    claims = {"iss": issuer, "aud": audience, "sub": subject, "role": role, "iat": now, "exp": now + ttl}
    signing_input = header + b"." + b64url(json.dumps(claims, separators=(",", ":")).encode())
    return (signing_input + b"." + b64url(hmac.new(key, signing_input, hashlib.sha256).digest())).decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--role", choices=("customer", "manager", "service"), required=True)
    parser.add_argument("--sub")
    parser.add_argument("--prefix")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--ttl", type=int, default=3600, help="seconds")
    parser.add_argument("--issuer", default="cinema")
    parser.add_argument("--audience", default="cinema")
    args = parser.parse_args()
    if (args.sub is None) == (args.prefix is None):
        sys.exit("tokens.py: give --sub or --prefix")
    with open(args.secret_file) as f:
        key = f.readline().strip().encode()
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    now = int(time.time())
    subjects = [args.sub] if args.sub is not None else (f"{args.prefix}{k}" for k in range(args.count))
    out = sys.stdout
    for subject in subjects:
        out.write(mint(key, header, args.role, subject, now, args.ttl, args.issuer, args.audience) + "\n")


if __name__ == "__main__":
    main()
