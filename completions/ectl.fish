complete --keep-order --exclusive --command ectl --arguments "(ECTL_COMPLETE=fish ectl -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
