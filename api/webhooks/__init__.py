"""Webhooks on the network side: which endpoints may be called (`addresses`), their secrets
(`secrets`), what is sent and how it is signed (`signing`), the POST (`sending`), when to
retry (`schedule`) and the delivery worker each API worker runs (`worker`)."""
