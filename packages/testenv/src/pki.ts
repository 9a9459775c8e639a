// Per-run PKI: one CA signs the API server's serving certificate and every client certificate; a separate
// key pair signs service-account tokens. ECDSA P-256 keys: fast to generate, accepted by every component.
// @peculiar/x509 resolves its services through tsyringe, which needs a Reflect metadata polyfill first.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface Pki {
  ca: KeyPairPem;
  serving: KeyPairPem;
  /** Client certificates by user name. */
  clients: Record<string, KeyPairPem>;
  serviceAccount: { publicKey: string; privateKey: string };
}

export interface ClientSpec {
  /** Certificate CN = Kubernetes user name. */
  user: string;
  /** Certificate O entries = Kubernetes groups. */
  groups?: readonly string[];
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return b.toString("hex");
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function spkiPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("spki", key);
  return x509.PemConverter.encode(der, "PUBLIC KEY");
}

/** Escapes an RDN value for the RFC 4514 string form that @peculiar/x509 parses. */
function rdn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, "\\$1");
}

export async function generatePki(opts: {
  clients: readonly ClientSpec[];
  hosts?: readonly string[];
  validDays?: number;
}): Promise<Pki> {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + (opts.validDays ?? 30) * DAY);
  const caKeys = await keyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=org-testenv-ca",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(caCert);

  const leaf = async (subject: string, usage: x509.ExtendedKeyUsage, sans?: readonly string[]) => {
    const keys = await keyPair();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([usage]),
      authorityKeyId,
    ];
    if (sans) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(
          sans.map((h) => (/^[\d.]+$|:/.test(h) ? { type: "ip", value: h } : { type: "dns", value: h })),
        ),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions,
    });
    return { cert: cert.toString("pem"), key: await pkcs8Pem(keys.privateKey) };
  };

  const hosts = opts.hosts ?? [
    "127.0.0.1",
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "10.0.0.1",
  ];
  const serving = await leaf("CN=kube-apiserver", x509.ExtendedKeyUsage.serverAuth, hosts);
  const clients: Record<string, KeyPairPem> = {};
  for (const c of opts.clients) {
    const subject = [`CN=${rdn(c.user)}`, ...(c.groups ?? []).map((g) => `O=${rdn(g)}`)].join(", ");
    clients[c.user] = await leaf(subject, x509.ExtendedKeyUsage.clientAuth);
  }
  const saKeys = await keyPair();
  return {
    ca: { cert: caCert.toString("pem"), key: await pkcs8Pem(caKeys.privateKey) },
    serving,
    clients,
    serviceAccount: {
      publicKey: await spkiPem(saKeys.publicKey),
      privateKey: await pkcs8Pem(saKeys.privateKey),
    },
  };
}
