/** `fastgrpc/services`: the Echo and Crypto services fastgrpc-server serves, their keys and typed client helpers. */
export { createEchoService, EchoService } from "../services/echo.js";
export { createCryptoService } from "../services/crypto.js";
export { CryptoService } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
export { Keyring, generateKeyring } from "../crypto/keyring.js";
export { KeyType, SignatureAlgorithm, sign, getPublicKey, verify, verifyLocally } from "../client/crypto-client.js";
