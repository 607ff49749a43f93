# One image, every mode: `docker run IMAGE router|controller|standalone [flags]`.
#   docker run -e DATA_PLANE_URL=http://router:9901 -e KUBECONFIG=/kube/config -v ~/.kube:/kube:ro IMAGE controller

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
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
