/**
 * The engine as the serving simulator and the capacity search see it: one replica placed by the
 * engine (`deploy`) and the time of any forward pass of a serving iteration (`passSeconds`).
 * Every engine call of src/serving and src/capacity goes through here.
 */
export { deploy, passSeconds, type Deployment, type Segment } from "../engine/deployment.js";
