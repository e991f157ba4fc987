"""Tests of db.demo."""
