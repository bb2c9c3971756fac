from village_stats import cli

raise SystemExit(cli.main())
