"""Microservice chassis: event store, outbox relay, consumers, HTTP plumbing. No domain knowledge."""
