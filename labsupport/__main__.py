from labsupport.cli import main

raise SystemExit(main())
