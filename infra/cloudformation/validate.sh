#!/usr/bin/env bash
# Lints the CloudFormation templates with cfn-lint (the Python tool, 1.x). The project's dotnet machine image ships it
# through pip; Debian 12 has no package for it, and npm's `cfn-lint` is a different, 2019-era linter that rejects current
# properties (DefinitionS3Location, ECR EncryptionConfiguration), so it is not a substitute. Without cfn-lint this
# script fails and says how to get it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint is not installed: pip install cfn-lint" >&2
  exit 1
fi
echo "cfn-lint $(cfn-lint --version | awk '{print $2}'): $here/*.yaml"
cfn-lint "$here"/*.yaml
echo "cfn-lint: all templates valid"
