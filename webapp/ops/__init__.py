"""Operations: Prometheus metrics, health and readiness, structured logs (docs/operations.md)."""
