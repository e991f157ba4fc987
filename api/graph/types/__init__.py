"""Strawberry types mirroring the referral graph."""
