"""The HTTP API: an app factory, authentication, problem details and one router per resource."""
