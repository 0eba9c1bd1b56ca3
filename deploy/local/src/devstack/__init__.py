"""Runs the embedded Kafka, MongoDB and SMTP servers and the four services on one machine."""
