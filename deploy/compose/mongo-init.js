// Initiates the replica set rs0 of the compose stack (re-running it is harmless), then waits
// for a primary so that the services' first transaction finds one.
const members = [
  { _id: 0, host: "mongo-1:27017", priority: 2 },
  { _id: 1, host: "mongo-2:27017", priority: 1 },
  { _id: 2, host: "mongo-3:27017", priority: 1 },
];

try {
  rs.status();
  print("replica set rs0 already initiated");
} catch (e) {
  if (e.codeName !== "NotYetInitialized") {
    throw e;
  }
  rs.initiate({ _id: "rs0", members: members });
  print("replica set rs0 initiated");
}

for (let i = 0; i < 120; i++) {
  const hello = db.adminCommand({ hello: 1 });
  if (hello.primary) {
    print("primary: " + hello.primary);
    quit(0);
  }
  sleep(1000);
}
print("no primary after 120 s");
quit(1);
