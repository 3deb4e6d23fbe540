import { defineContainer } from "moorage";

export const transcoder = defineContainer({
  image: "./containers/transcoder",
  maxInstances: 2,
  readyOn: [{ path: "/ready" }],
});
