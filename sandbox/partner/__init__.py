"""Demo partner site ("démarche en ligne") that logs in through Relais, over HTTP only."""
