"""Annual filings from organizations: three ways in (web form, template upload, API),
one validation (``validation.py``), one set of services that move a filing through
draft → submitted → under review → accepted or returned (``services.py``)."""
