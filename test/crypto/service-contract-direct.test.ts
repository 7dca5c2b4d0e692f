// The Crypto service's contract, checked by calling its handlers directly (no server, no network).
import { before } from "node:test";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { directCryptoApi, type CryptoApi } from "./helpers/crypto-api.js";
import { cryptoContractTests } from "./helpers/contract.js";

let api: CryptoApi | undefined;
before(async () => {
  api = directCryptoApi(await generateKeyring());
});

cryptoContractTests(() => {
  if (api === undefined) throw new Error("keyring not generated yet");
  return api;
});
