from labsupport.leanimports import skip_iri_formats

skip_iri_formats()  # before anything imports jsonschema: see labsupport.leanimports

from labsupport.cli import main  # noqa: E402

raise SystemExit(main())
