import http from "node:http";

http
  .createServer((req, res) => {
    if (req.url === "/ready") return res.writeHead(200).end("ok");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ transcoded: true, instance: process.env.MOORAGE_INSTANCE }));
  })
  .listen(8080);
