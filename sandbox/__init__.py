"""Development and test only: stand-ins for the services Relais talks to over HTTP.

Each stand-in is its own Django project run as its own process (never mounted in Relais),
and imports nothing from Relais.
"""
