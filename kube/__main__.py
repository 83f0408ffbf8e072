from kube.cli.main import main

raise SystemExit(main())
