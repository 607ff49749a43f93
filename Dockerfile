# One image, every mode: `docker run IMAGE router|controller|standalone [flags]`.
#   docker run -e DATA_PLANE_URL=http://router:9901 -e KUBECONFIG=/kube/config -v ~/.kube:/kube:ro IMAGE controller

# The Node the image runs: the same major as the one package.json pins for the build and the tests
# (node-linux-* 24.x); test/ship checks the two agree. A mirror or a digest can be passed in:
#   --build-arg NODE_IMAGE=registry.example/node:24-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# --omit=optional drops the pinned Node binary (node-linux-*): the image runs the base image's node.
RUN npm run build && npm prune --omit=dev --omit=optional

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY examples ./examples
RUN chmod +x dist/main.js && ln -s /app/dist/main.js /usr/local/bin/serval
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 8080 9901 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "dist/healthcheck.js"]
ENTRYPOINT ["serval"]
CMD ["standalone", "--resources", "examples", "--demo-backend"]
