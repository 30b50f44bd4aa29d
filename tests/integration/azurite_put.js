// Puts messages on an Azurite queue with Microsoft's own SDK (@azure/storage-queue), as an Azure
// user's producer would: base64-encoded text, since Azure Functions' queue trigger expects base64
// by default (host.json extensions.queues.messageEncoding).
//   node azurite_put.js CONNECTION_STRING QUEUE MESSAGE...
const path = require("path");
const { QueueClient } = require(path.join(process.env.SQUALL_REPO, "tools", "node_modules",
                                          "@azure", "storage-queue"));

async function main() {
  const [connection, queue, ...messages] = process.argv.slice(2);
  const client = new QueueClient(connection, queue);
  await client.createIfNotExists();
  for (const m of messages) {
    await client.sendMessage(Buffer.from(m, "utf8").toString("base64"));
  }
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
