import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { generatePki } from "./pki.js";

test("the CA signs a serving certificate for the loopback names and client certificates with CN/O", async () => {
  const pki = await generatePki({
    clients: [{ user: "admin", groups: ["system:masters", "a,b"] }, { user: "alice" }],
  });
  const ca = new X509Certificate(pki.ca.cert);
  assert.equal(ca.ca, true);
  const serving = new X509Certificate(pki.serving.cert);
  assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
  assert.ok(serving.checkIP("127.0.0.1"));
  assert.ok(serving.checkHost("localhost"));
  assert.equal(serving.checkIP("10.0.0.2"), undefined);
  assert.deepEqual(serving.keyUsage, ["1.3.6.1.5.5.7.3.1"]); // serverAuth only

  const admin = new X509Certificate(pki.clients.admin!.cert);
  assert.ok(admin.verify(ca.publicKey));
  assert.deepEqual(admin.subject.split("\n").sort(), ["CN=admin", "O=a\\,b", "O=system:masters"].sort());
  assert.deepEqual(admin.keyUsage, ["1.3.6.1.5.5.7.3.2"]); // clientAuth only
  assert.equal(new X509Certificate(pki.clients.alice!.cert).subject, "CN=alice");
  assert.ok(admin.checkPrivateKey(createPrivateKey(pki.clients.admin!.key)));
});

test("the service-account key pair matches", async () => {
  const { serviceAccount } = await generatePki({ clients: [] });
  const data = Buffer.from("token");
  const sig = sign("sha256", data, createPrivateKey(serviceAccount.privateKey));
  assert.ok(verify("sha256", data, createPublicKey(serviceAccount.publicKey), sig));
  assert.match(serviceAccount.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  assert.match(serviceAccount.publicKey, /^-----BEGIN PUBLIC KEY-----/);
});
