"""Deterministic feed generators and the producer that plays them into Kafka (`ioc simulate`)."""
