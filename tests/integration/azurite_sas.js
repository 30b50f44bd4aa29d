// Prints an account SAS token for Azurite's devstoreaccount1 (Blob and Queue services, every
// resource type and permission, valid for an hour), made by Microsoft's own SDK
// (@azure/storage-queue), as a user would make one.
//   node azurite_sas.js ACCOUNT_KEY
const path = require("path");
const q = require(path.join(process.env.SQUALL_REPO, "tools", "node_modules", "@azure",
                            "storage-queue"));

const credential = new q.StorageSharedKeyCredential("devstoreaccount1", process.argv[2]);
const sas = q.generateAccountSASQueryParameters({
  expiresOn: new Date(Date.now() + 3600 * 1000),
  permissions: q.AccountSASPermissions.parse("rwdlacup"),
  services: "bq",
  resourceTypes: "sco",
}, credential);
console.log(sas.toString());
