// Stands in for the @aws-sdk/client-secrets-manager module the Lambda runtime ships (tests put it on NODE_PATH): it
// answers the secret named by FAKE_SECRET_ARN with FAKE_SECRET_VALUE and counts reads in globalThis.secretReads.
'use strict';
class GetSecretValueCommand {
  constructor(input) { this.input = input; }
}
class SecretsManagerClient {
  async send(command) {
    globalThis.secretReads = (globalThis.secretReads ?? 0) + 1;
    if (command.input.SecretId !== process.env.FAKE_SECRET_ARN) {
      const e = new Error(`Secrets Manager can't find the specified secret: ${command.input.SecretId}`);
      e.name = 'ResourceNotFoundException';
      throw e;
    }
    return { SecretString: process.env.FAKE_SECRET_VALUE };
  }
}
module.exports = { SecretsManagerClient, GetSecretValueCommand };
