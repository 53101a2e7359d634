"""Open data: the bulk downloads (``export``, ``dictionary``), the ``/data/`` page
that serves them, and the embeddable badge (``badge``)."""
