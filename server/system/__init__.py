"""Running on a seller's computer: system checks (doctor), first-time setup, starting with the
computer (service), and one server per data folder on a port it can hold (instance)."""
