#!/usr/bin/env bash
# Test-only tools that are not Debian packages would be installed here, into the project.
# The foundation needs none beyond scripts/install-deps.sh.
exit 0
