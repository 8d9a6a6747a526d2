"""What the API and the pages share over HTTP: the database per request, settings, paging and
the sign-in limit. The app is assembled in `exchange.app`."""
