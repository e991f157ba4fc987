"""The `referrals` command."""
